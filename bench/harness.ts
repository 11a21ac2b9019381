import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/bench.mjs');

/**
 * Runs `npm run bench -- ARGS` in a process of its own; resolves with its standard output (each
 * chunk also handed to `onOutput`), rejects on a non-zero exit with the output's tail.
 */
export function runBenchProcess(args: string[], onOutput?: (chunk: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH_BIN, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      onOutput?.(chunk.toString());
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench ${args.join(' ')} failed (exit ${code})\n${out.slice(-2000)}`))));
  });
}

/**
 * One measured figure. Printed as `NAME: wall=12.3s floor=10.0s ratio=1.23 rss=180MB`,
 * leaving out the fields that do not apply.
 */
export interface BenchFigure {
  name: string;
  /** Measured wall time in seconds. */
  wall?: number;
  /** The theoretical best for the same work, in seconds. */
  floor?: number;
  /** Operations per second, when the figure is a rate. */
  rate?: number;
  /** Peak resident set size in MB. */
  rssMB?: number;
  /** Anything else worth printing, as key=value. */
  extra?: Record<string, string | number>;
}

export interface BenchContext {
  /** DATABASE_URL as given (SQLite by default). */
  databaseUrl: string | undefined;
  /** Extra CLI arguments after the benchmark name. */
  args: string[];
  log: (line: string) => void;
}

export interface Benchmark {
  name: string;
  description: string;
  run(context: BenchContext): Promise<BenchFigure[]>;
}

export function formatFigure(figure: BenchFigure): string {
  const parts: string[] = [];
  if (figure.wall !== undefined) parts.push(`wall=${figure.wall.toFixed(1)}s`);
  if (figure.floor !== undefined) parts.push(`floor=${figure.floor.toFixed(1)}s`);
  if (figure.wall !== undefined && figure.floor !== undefined && figure.floor > 0) {
    parts.push(`ratio=${(figure.wall / figure.floor).toFixed(2)}`);
  }
  if (figure.rate !== undefined) parts.push(`rate=${figure.rate.toFixed(0)}/s`);
  if (figure.rssMB !== undefined) parts.push(`rss=${Math.round(figure.rssMB)}MB`);
  for (const [key, value] of Object.entries(figure.extra ?? {})) parts.push(`${key}=${value}`);
  return `${figure.name}: ${parts.join(' ')}`;
}

/** Samples the process's resident set size until stopped; returns the peak in MB. */
export function trackPeakRss(intervalMs = 50): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    return peak / (1024 * 1024);
  };
}

/**
 * Seeding 100,000 rows leaves garbage the next GC would free; a full collection now keeps
 * the untimed setup out of the run's peak RSS (the bench process has no --expose-gc flag).
 */
export async function collectSeedGarbage(): Promise<void> {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  gc();
  // V8 hands freed pages back to the OS over the next moments; wait until RSS stops falling.
  let previous = process.memoryUsage.rss();
  for (let i = 0, stable = 0; i < 40 && stable < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rss = process.memoryUsage.rss();
    stable = previous - rss < 1024 * 1024 ? stable + 1 : 0;
    previous = rss;
  }
}

/**
 * CPU time spent during the timed part: this process's (every thread), and, on MariaDB/MySQL,
 * the local database server's when its processes are visible in /proc (Linux; omitted
 * otherwise). Against the wall time it says what bound the run: one core (a process near 1.0
 * of wall), or the two processes sharing the machine's cores.
 */
export function trackCpu(engine: 'sqlite' | 'mysql'): () => { cpuS: number; serverCpuS?: number } {
  const ownStart = process.cpuUsage();
  const serverStart = engine === 'mysql' ? serverCpuTicks() : undefined;
  return () => {
    const own = process.cpuUsage(ownStart);
    const serverEnd = serverStart === undefined ? undefined : serverCpuTicks();
    const ticksPerSecond = 100;
    return {
      cpuS: (own.user + own.system) / 1e6,
      ...(serverStart !== undefined && serverEnd !== undefined ? { serverCpuS: (serverEnd - serverStart) / ticksPerSecond } : {}),
    };
  };
}

/** CPU seconds and cores used over the wall time, for a figure's extras. */
export function cpuFigures(wall: number, cpuS: number, serverCpuS?: number): Record<string, string> {
  const out: Record<string, string> = { cpu_s: cpuS.toFixed(1), cores: (cpuS / wall).toFixed(2) };
  if (serverCpuS !== undefined) Object.assign(out, { server_cpu_s: serverCpuS.toFixed(1), server_cores: (serverCpuS / wall).toFixed(2) });
  return out;
}

/** User and system clock ticks of every mariadbd/mysqld process on this machine, or undefined. */
function serverCpuTicks(): number | undefined {
  let total: number | undefined;
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm !== 'mariadbd' && comm !== 'mysqld') continue;
      // Fields 14 and 15 (utime, stime) follow the parenthesised command name.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total = (total ?? 0) + Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}


/** The database's size on disk: the SQLite file with its WAL, or MariaDB's data and indexes. */
export async function databaseSizeMB(db: { engine: 'sqlite' | 'mysql'; knex: import('knex').Knex; target: { engine: string; filename?: string; database?: string } }): Promise<number> {
  if (db.engine === 'sqlite') {
    const fs = await import('node:fs');
    const file = (db.target as { filename: string }).filename;
    const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
    return Math.round((size(file) + size(`${file}-wal`)) / 1048576);
  }
  const schema = (db.target as { database: string }).database;
  // InnoDB's table statistics lag behind a bulk load until the tables are analysed.
  const [tables] = (await db.knex.raw('select table_name as name from information_schema.tables where table_schema = ?', [schema])) as [Array<{ name: string }>];
  if (tables.length) await db.knex.raw(`analyze table ${tables.map(() => '??').join(', ')}`, tables.map((t) => t.name));
  const [rows] = (await db.knex.raw('select sum(data_length + index_length) as bytes from information_schema.tables where table_schema = ?', [schema])) as [Array<{ bytes: number | string }>];
  return Math.round(Number(rows[0]?.bytes ?? 0) / 1048576);
}

/**
 * BENCH_CPU_PROFILE=DIR writes a CPU profile of the timed part to DIR/NAME.cpuprofile (open it
 * in Chrome's DevTools), so a figure off its floor can show where the time goes.
 */
export async function profileTimedPart(name: string): Promise<() => Promise<void>> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return async () => undefined;
  const { Session } = await import('node:inspector/promises');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}
