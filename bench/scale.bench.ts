import { runBenchProcess, type Benchmark, type BenchFigure } from './harness.ts';

/** The growth matrix: sync at concurrency 100 (1M domains: a 200 s floor), jobs at 50; 20 ms a call. */
const POINTS: ReadonlyArray<{ bench: 'sync' | 'jobs'; n: number; args: string[] }> = [
  { bench: 'sync', n: 10_000, args: ['--concurrency', '100'] },
  { bench: 'sync', n: 100_000, args: ['--concurrency', '100'] },
  { bench: 'sync', n: 1_000_000, args: ['--concurrency', '100'] },
  { bench: 'jobs', n: 10_000, args: [] },
  { bench: 'jobs', n: 100_000, args: [] },
];

const TARGET_RATIO = 1.1;
const TARGET_RSS_MB = 256;

/** Runs one point in a process of its own, so each peak RSS is that point's alone. */
async function runPoint(bench: string, args: string[], log: (line: string) => void): Promise<Record<string, string>> {
  const out = await runBenchProcess([bench, ...args], (chunk) => {
    for (const line of chunk.split('\n')) if (line.startsWith('# ') && process.env.BENCH_VERBOSE) log(`  ${line.slice(2)}`);
  });
  const line = out.split('\n').find((l) => l.startsWith(`${bench}: `));
  if (!line) throw new Error(`${bench} ${args.join(' ')} printed no figure\n${out.slice(-2000)}`);
  return Object.fromEntries(line.slice(bench.length + 2).split(' ').map((kv) => kv.split('=') as [string, string]));
}

const mb = (value: string | undefined) => Number(String(value ?? '').replace(/MB$/, ''));
const seconds = (value: string | undefined) => Number(String(value ?? '').replace(/s$/, ''));

/**
 * `npm run bench -- scale [sync|jobs] [--max N]`: how cost grows with the portfolio, on the
 * engine DATABASE_URL selects. One line per point (wall, floor, ratio, peak RSS, database
 * size), then the worst ratio and how much the peak RSS grew from the smallest point to the
 * largest. Targets: every ratio ≤ 1.10, every peak RSS ≤ 256 MB.
 */
const benchmark: Benchmark = {
  name: 'scale',
  description: 'growth matrix: sync at 10,000 / 100,000 / 1,000,000 domains, jobs at 10,000 / 100,000 orders; ratio, peak RSS, database size',
  async run({ args, log }) {
    const only = args.find((a) => a === 'sync' || a === 'jobs');
    const flag = args.indexOf('--max');
    const max = flag === -1 ? Infinity : Number(args[flag + 1]);
    const points = POINTS.filter((p) => (!only || p.bench === only) && p.n <= max);
    const figures: BenchFigure[] = [];
    for (const point of points) {
      log(`${point.bench} ${point.n.toLocaleString('en')} …`);
      const started = Date.now();
      const seen = await runPoint(point.bench, [String(point.n), ...point.args], log);
      const wall = seconds(seen.wall);
      const floor = seconds(seen.floor);
      // What bound the run: the process's cores over the wall time, and the database server's.
      const cpu = Object.fromEntries(['cores', 'server_cores'].filter((key) => seen[key] !== undefined).map((key) => [key, seen[key]!]));
      figures.push({ name: `${point.bench}-${point.n}`, wall, floor, rssMB: mb(seen.rss), extra: { dbMB: Number(seen.dbMB ?? 0), engine: seen.engine ?? '', ...cpu, total_s: Math.round((Date.now() - started) / 1000) } });
    }
    const ratios = figures.map((f) => f.wall! / f.floor!);
    const rss = figures.map((f) => f.rssMB!);
    for (const bench of ['sync', 'jobs']) {
      const mine = figures.filter((f) => f.name.startsWith(bench));
      if (mine.length < 2) continue;
      const growth = mine[mine.length - 1]!.rssMB! / mine[0]!.rssMB!;
      figures.push({ name: `${bench}-rss-growth`, extra: { smallest_MB: Math.round(mine[0]!.rssMB!), largest_MB: Math.round(mine[mine.length - 1]!.rssMB!), factor: growth.toFixed(2) } });
    }
    figures.push({
      name: 'scale-summary',
      extra: {
        worst_ratio: Math.max(...ratios).toFixed(2),
        target_ratio: TARGET_RATIO,
        peak_rss_MB: Math.round(Math.max(...rss)),
        target_rss_MB: TARGET_RSS_MB,
        met: String(Math.max(...ratios) <= TARGET_RATIO && Math.max(...rss) <= TARGET_RSS_MB),
      },
    });
    return figures;
  },
};

export default benchmark;
