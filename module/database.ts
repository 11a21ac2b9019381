import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { createOwnerOnlyDatabaseFile, restrictSqliteFiles } from './sqlite-file-mode.ts';
import { SqliteClient, cachePreparedStatements, checkpointInBackground } from './sqlite-client.ts';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/domain-transfers.sqlite';

export type DatabaseTarget =
  | { engine: 'sqlite'; filename: string }
  | { engine: 'mysql'; host: string; port: number; user: string; password: string; database: string };

/** A problem with the database that deserves one clear line, not a stack trace. */
export class DatabaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

/**
 * Reads DATABASE_URL. Accepted forms:
 *   sqlite:./data/file.sqlite   sqlite:/abs/file.sqlite   sqlite::memory:
 *   mysql://user:pass@host:3306/db   mariadb://user@host/db
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed.startsWith('sqlite:')) {
    let filename = trimmed.slice('sqlite:'.length);
    if (filename.startsWith('//')) filename = filename.slice(2);
    if (!filename) throw new DatabaseError(`DATABASE_URL "${url}" names no SQLite file (try sqlite:./data/domain-transfers.sqlite)`);
    return { engine: 'sqlite', filename };
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new DatabaseError(`DATABASE_URL "${redactUrl(url)}" is not a URL (expected sqlite:FILE or mysql://user:pass@host:port/database)`);
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new DatabaseError(`DATABASE_URL scheme "${parsed.protocol}" is not supported (use sqlite: or mysql://)`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new DatabaseError(`DATABASE_URL "${redactUrl(url)}" names no database (add /name after the host)`);
  if (!parsed.hostname) throw new DatabaseError(`DATABASE_URL "${redactUrl(url)}" names no host`);
  const port = parsed.port ? Number(parsed.port) : 3306;
  return {
    engine: 'mysql',
    host: parsed.hostname,
    port,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

export function describeTarget(target: DatabaseTarget): string {
  return target.engine === 'sqlite'
    ? `SQLite ${target.filename}`
    : `MySQL/MariaDB ${target.user}@${target.host}:${target.port}/${target.database}`;
}

/** Where knex's own messages go (pool errors would otherwise print stack traces to stdout). */
export interface KnexLog {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

function knexLogOption(log: KnexLog | undefined) {
  if (!log) return undefined;
  return {
    debug: (m: unknown) => log.debug(String(m)),
    warn: (m: unknown) => log.warn(String(m)),
    error: (m: unknown) => log.error(String(m)),
    deprecate: (method: string, alternative: string) => log.debug(`${method} is deprecated, use ${alternative}`),
  };
}

export function createKnex(target: DatabaseTarget, options: { poolMax?: number; log?: KnexLog } = {}): Knex {
  const log = knexLogOption(options.log);
  if (target.engine === 'sqlite') {
    const onDisk = target.filename !== ':memory:';
    if (onDisk) {
      fs.mkdirSync(path.dirname(path.resolve(target.filename)), { recursive: true, mode: 0o700 });
      createOwnerOnlyDatabaseFile(target.filename);
    }
    const refused = (file: string, reason: string) => options.log?.warn(`cannot make ${file} readable by its owner only (${reason}); it keeps its mode`);
    return knexFactory({
      client: SqliteClient as unknown as typeof Knex.Client,
      log,
      connection: { filename: target.filename },
      useNullAsDefault: true,
      // better-sqlite3 is synchronous and SQLite has one writer: one connection serialises
      // every statement in this process; other processes wait on busy_timeout.
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: { pragma(sql: string): unknown; prepare(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          cachePreparedStatements(conn);
          conn.pragma('journal_mode = WAL');
          // The -wal and -shm files exist from here on.
          if (onDisk) restrictSqliteFiles(target.filename, refused);
          conn.pragma('busy_timeout = 10000');
          conn.pragma('foreign_keys = ON');
          conn.pragma('synchronous = NORMAL');
          if (onDisk) checkpointInBackground(conn, path.resolve(target.filename));
          // 8 MiB of pages per connection. The operating system caches the file as well, so a
          // larger cache mostly grows the process: at 64 MiB a 100,000-job run peaked at ~310 MB
          // and took longer (ratio 1.37) than at 16 MiB (245 MB, 1.29). 8 MiB pays for the
          // checkpoint thread's ~10 MB; the slowest admin list over a million rows went from
          // 9 to 19 ms at p95 (npm run bench -- jobs 100000 / admin-lists).
          conn.pragma('cache_size = -8192');
          conn.pragma('temp_store = MEMORY');
          done(null, conn);
        },
      },
    });
  }
  return knexFactory({
    client: 'mysql2',
    log,
    connection: {
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      charset: 'utf8mb4',
      timezone: 'Z',
      dateStrings: false,
      supportBigNumbers: true,
      connectTimeout: 5000,
    },
    pool: { min: 0, max: options.poolMax ?? 20 },
    acquireConnectionTimeout: 10000,
  });
}

/** The engine behind `knex`, by its driver (a host may configure the client by name or by class). */
export function engineOf(knex: Knex): 'sqlite' | 'mysql' {
  const client = knex.client as { driverName?: string; config: { client: unknown } };
  const configured = client.config.client;
  const name = client.driverName ?? (typeof configured === 'function' ? configured.name : String(configured));
  return /sqlite/i.test(name) ? 'sqlite' : 'mysql';
}

/**
 * Batched writers run one transaction at a time on both engines. While one commits, the next
 * batch gathers everything that arrived meanwhile (group commit); overlapping batches on
 * MySQL/MariaDB only contend for the same index pages and were measured slower.
 */
export const WRITE_BATCHES_IN_FLIGHT = 1;

/**
 * Runs `work` in a transaction, again when MySQL/MariaDB picks it as a deadlock's victim
 * (InnoDB rolls the whole transaction back, so running it again is safe). Two writers that lock
 * the same rows through different indexes can deadlock however careful the statements are.
 */
export async function transactionRetryingDeadlocks<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await knex.transaction(work);
    } catch (error) {
      if (attempt >= attempts || (error as { code?: string }).code !== 'ER_LOCK_DEADLOCK') throw error;
    }
  }
}

/**
 * Independent statements of one transaction, issued together: they queue on its connection and
 * run back to back, without a trip through the event loop between them. All settle before the
 * first error is rethrown, so none is still running when the transaction rolls back.
 */
export async function allSettledOrThrow<T extends readonly unknown[]>(statements: readonly [...{ [K in keyof T]: PromiseLike<T[K]> }]): Promise<T> {
  const settled = await Promise.allSettled(statements);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Opens a connection once, turning the driver's error into one readable line. */
export async function assertReachable(knex: Knex, target: DatabaseTarget): Promise<void> {
  try {
    await knex.raw('select 1');
  } catch (error) {
    const reason = (error as { code?: string; message?: string }).code ?? (error as Error).message;
    throw new DatabaseError(`cannot reach ${describeTarget(target)}: ${reason}`, { cause: error });
  }
}

/** SQLite stores dates as epoch milliseconds; MySQL returns Date objects. Both become Date. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string') return new Date(/^\d+$/.test(value) ? Number(value) : value);
  return null;
}

/** Inserts one row and returns its id on both engines (MySQL has no RETURNING in knex). */
export async function insertReturningId(db: Knex | Knex.Transaction, table: string, row: Record<string, unknown>): Promise<number> {
  if (engineOf(db as Knex) === 'sqlite') {
    const [inserted] = await db(table).insert(row).returning('id');
    return Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
  }
  const [id] = await db(table).insert(row);
  return Number(id);
}

/**
 * Rows per multi-row INSERT, sized per engine: no more than the engine's bound-parameter limit
 * allows (SQLite 32,766; MySQL and MariaDB 65,535), and no more than paid: 50,000 ten-column
 * job rows in one transaction went in fastest at 400 rows a statement on SQLite (210,000 to
 * 233,000 rows/s from 100 to 2,000) and at 500 to 1,000 on MariaDB (77,000 at 100, 90,000 at
 * 500 and 1,000, 81,000 at 4,000).
 */
export function insertChunkRows(engine: 'sqlite' | 'mysql', columns: number): number {
  const [parameters, cap] = engine === 'sqlite' ? [32_766, 400] : [65_535, 1_000];
  return Math.max(1, Math.min(cap, Math.floor(parameters / Math.max(1, columns))));
}

/**
 * Inserts rows with one multi-row VALUES statement per chunk on both engines. knex writes a
 * multi-row insert for SQLite as `SELECT … UNION ALL SELECT …`, which SQLite plans as a
 * compound query: several times slower than VALUES, and capped at 500 terms.
 */
export async function insertRows(
  db: Knex | Knex.Transaction,
  table: string,
  rows: ReadonlyArray<object>,
  options: { chunk?: number; ignoreDuplicates?: boolean } = {},
): Promise<void> {
  if (!rows.length) return;
  const columns = Object.keys(rows[0]!);
  const chunk = options.chunk ?? insertChunkRows(engineOf(db as Knex), columns.length);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const verb = options.ignoreDuplicates ? (engineOf(db as Knex) === 'sqlite' ? 'insert or ignore into' : 'insert ignore into') : 'insert into';
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const values = part.flatMap((row) => columns.map((column) => ((row as Record<string, unknown>)[column] ?? null) as Knex.Value));
    await db.raw(`${verb} ?? (${columns.map(() => '??').join(', ')}) values ${part.map(() => tuple).join(', ')}`, [table, ...columns, ...values]);
  }
}
