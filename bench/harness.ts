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
