import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatFigure, type Benchmark } from './harness.ts';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

async function loadBenchmarks(): Promise<Map<string, Benchmark>> {
  const found = new Map<string, Benchmark>();
  for (const file of fs.readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.ts')).sort()) {
    const mod = (await import(pathToFileURL(path.join(BENCH_DIR, file)).href)) as { default: Benchmark };
    found.set(mod.default.name, mod.default);
  }
  return found;
}

/** `npm run bench -- NAME [args]` runs one benchmark; without NAME it lists them. */
export async function main(argv: string[]): Promise<number> {
  const benchmarks = await loadBenchmarks();
  const [name, ...args] = argv;
  if (!name) {
    console.log('usage: npm run bench -- NAME [args]\n\nbenchmarks:');
    for (const b of benchmarks.values()) console.log(`  ${b.name.padEnd(10)} ${b.description}`);
    return benchmarks.size ? 0 : 1;
  }
  const benchmark = benchmarks.get(name);
  if (!benchmark) {
    console.error(`unknown benchmark "${name}" (known: ${[...benchmarks.keys()].join(', ') || 'none'})`);
    return 2;
  }
  const databaseUrl = process.env.DATABASE_URL;
  console.log(`# ${benchmark.name} on ${databaseUrl?.startsWith('mysql') || databaseUrl?.startsWith('mariadb') ? 'MySQL/MariaDB' : 'SQLite'}`);
  const figures = await benchmark.run({ databaseUrl, args, log: (line) => console.log(`# ${line}`) });
  for (const figure of figures) console.log(formatFigure(figure));
  return 0;
}
