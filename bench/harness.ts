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
