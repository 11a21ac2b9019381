import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/**
 * The checkpoint's thread. Plain JavaScript evaluated by the worker, so it runs the same from the
 * TypeScript sources and from the built package. It opens its own connection to the database
 * file and copies committed write-ahead-log frames into it on request. PASSIVE never waits for a
 * lock and never blocks the writer: frames still in use by a reader are left for the next run.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
// A checkpoint copies frames from the log to the file directly: the connection needs no page cache.
db.pragma('cache_size = -256');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message || error) });
  }
});
`;

/** Commits between two checkpoints: about what SQLite's own 1,000-page trigger amounts to here. */
export const COMMITS_PER_CHECKPOINT = 20;
/**
 * The writer's own checkpoint, kept as a backstop: it runs only if the thread falls this far
 * behind (or cannot run), so the log stays bounded whatever happens to the thread.
 */
export const BACKSTOP_PAGES = 4_000;

export interface CheckpointerStats {
  /** Checkpoints the thread has completed. */
  runs: number;
  /** The thread is open (it starts at the first checkpoint and ends with the connection). */
  running: boolean;
  /** Why the thread stopped checkpointing, if it failed; the writer's own checkpoint took over. */
  failure?: string;
}

/**
 * Runs the write-ahead log's checkpoints on a thread of its own. SQLite otherwise runs them on
 * the committing connection, inside a COMMIT, every 1,000 pages: with synchronous=NORMAL that
 * copy and its two fsyncs are the costliest thing the module's thread does under load (a
 * 10,000-job run spent 0.3 s of its 4.7 s there). Here the module's thread only counts commits.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private commits = 0;
  private inFlight = false;
  private closed = false;
  private runs = 0;
  private failure: string | undefined;

  constructor(
    private readonly filename: string,
    /** Hands checkpointing back to the writer's connection (SQLite's default trigger). */
    private readonly restoreWriterCheckpoint: () => void,
  ) {}

  /** Called after each commit on the writer's connection. */
  committed(): void {
    if (this.closed || this.failure) return;
    if (++this.commits < COMMITS_PER_CHECKPOINT || this.inFlight) return;
    this.commits = 0;
    this.inFlight = true;
    this.thread().postMessage('checkpoint');
  }

  snapshot(): CheckpointerStats {
    return { runs: this.runs, running: this.worker !== undefined, ...(this.failure ? { failure: this.failure } : {}) };
  }

  /** Ends the thread; its connection closes before it exits. */
  async close(): Promise<void> {
    this.closed = true;
    this.worker?.postMessage('close');
    await this.exited;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), filename: this.filename },
      // It holds no data of its own: a small heap keeps the thread's share of the process small.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    // Idle, it must not keep the process alive; the connection's own close ends it.
    worker.unref();
    worker.on('message', (answer: { ok: boolean; message?: string }) => {
      this.inFlight = false;
      if (answer.ok) this.runs++;
      else this.fail(answer.message ?? 'checkpoint failed');
    });
    worker.on('error', (error) => this.fail(error.message));
    this.exited = new Promise((resolve) =>
      worker.once('exit', () => {
        this.worker = undefined;
        resolve();
      }),
    );
    this.worker = worker;
    return worker;
  }

  private fail(message: string): void {
    if (this.failure) return;
    this.failure = message;
    this.inFlight = false;
    this.restoreWriterCheckpoint();
    void this.close();
  }
}
