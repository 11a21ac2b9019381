import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import { BACKSTOP_PAGES, WalCheckpointer } from './sqlite-checkpointer.ts';

const require = createRequire(import.meta.url);

type CompilerConstructor = new (...args: unknown[]) => { single: Record<string, unknown>; _getValueOrParameterFromAttribute(attribute: string, rawValue?: unknown): string };
type ClientConstructor = new (config: Knex.Config) => { queryCompiler(builder: unknown, formatter: unknown): unknown; _query(connection: unknown, obj: unknown): Promise<unknown> };

// knex's own better-sqlite3 client and SQLite query compiler, extended below.
const BetterSqliteClient = require('knex/lib/dialects/better-sqlite3/index.js') as ClientConstructor;
const SqliteQueryCompiler = require('knex/lib/dialects/sqlite3/query/sqlite-querycompiler.js') as CompilerConstructor;

/**
 * Writes integer LIMIT and OFFSET into the SQL text instead of binding them. SQLite recompiles
 * a statement whose LIMIT is a bound parameter each time its bindings are set (the value may
 * change the plan), so `.first()` paid a full compile on every run: measured 3 to 4 times the
 * cost of the lookup itself for a `select *` of one row. knex has already parsed both to
 * non-negative integers; anything else (a raw expression) is still bound.
 */
class InlineLimitCompiler extends SqliteQueryCompiler {
  override _getValueOrParameterFromAttribute(attribute: string, rawValue?: unknown): string {
    const value = this.single[attribute];
    if ((attribute === 'limit' || attribute === 'offset') && Number.isSafeInteger(value)) return String(value);
    return super._getValueOrParameterFromAttribute(attribute, rawValue);
  }
}

type RawConnection = { close(): unknown };

/** Longest run of statements before the event loop gets a turn, in milliseconds. */
const SLICE_MS = 0.5;

/**
 * better-sqlite3 runs each statement on the calling thread, and a transaction's statements follow
 * one another through promise callbacks only: timers and sockets wait until the whole batch has
 * committed. A 10,000-job run held the loop 1.8 ms per acceptance batch (up to 10 ms), so
 * registrar answers were taken up late and each job held its slot longer. After SLICE_MS of
 * statements in one turn, the next one waits for a turn of the loop first.
 */
const eventLoopSlice = {
  startedAt: undefined as number | undefined,
  turned: () => {
    eventLoopSlice.startedAt = undefined;
  },
  async after(): Promise<void> {
    const now = performance.now();
    if (this.startedAt === undefined) {
      this.startedAt = now;
      setImmediate(this.turned);
      return;
    }
    if (now - this.startedAt < SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  },
};
const checkpointers = new WeakMap<object, WalCheckpointer>();

/**
 * knex's better-sqlite3 client with integer LIMIT/OFFSET written inline, whose connections can
 * hand their write-ahead-log checkpoints to a thread (see `checkpointInBackground`).
 */
export class SqliteClient extends BetterSqliteClient {
  override queryCompiler(builder: unknown, formatter: unknown): unknown {
    return new InlineLimitCompiler(this, builder, formatter);
  }

  override async _query(connection: unknown, obj: unknown): Promise<unknown> {
    const result = await super._query(connection, obj);
    if ((obj as { sql?: string }).sql === 'COMMIT;') checkpointers.get(connection as object)?.committed();
    await eventLoopSlice.after();
    return result;
  }

  async destroyRawConnection(connection: RawConnection): Promise<void> {
    // The thread ends with its connection: nothing is left open on the file.
    await checkpointers.get(connection)?.close();
    connection.close();
  }
}

type WalConnection = { pragma(sql: string): unknown };

/**
 * Moves a WAL connection's checkpoints to a thread of its own (see WalCheckpointer); the
 * client tells it of each commit. The connection keeps SQLite's own trigger as a backstop, at
 * BACKSTOP_PAGES, and returns to the default if the thread fails.
 */
export function checkpointInBackground(conn: WalConnection, filename: string): void {
  conn.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  checkpointers.set(conn, new WalCheckpointer(filename, () => conn.pragma('wal_autocheckpoint = 1000')));
}

/** A knex instance's background checkpointer; undefined where there is none. */
export async function walCheckpointerOf(knex: Knex): Promise<WalCheckpointer | undefined> {
  return withSqliteConnection(knex, (conn) => checkpointers.get(conn));
}

/** Runs `use` on the SQLite client's raw connection; undefined on another client. */
async function withSqliteConnection<T>(knex: Knex, use: (conn: SqliteConnection) => T): Promise<T | undefined> {
  const client = knex.client as unknown as { acquireConnection?(): Promise<SqliteConnection>; releaseConnection?(conn: SqliteConnection): Promise<void> };
  if (!(client instanceof SqliteClient) || !client.acquireConnection || !client.releaseConnection) return undefined;
  const conn = await client.acquireConnection();
  try {
    return use(conn);
  } finally {
    await client.releaseConnection(conn);
  }
}

/**
 * knex prepares every statement anew; on better-sqlite3 that compile is a large share of a
 * short query. The driver is synchronous, so one prepared statement per SQL text can be reused.
 */
export function cachePreparedStatements(conn: { prepare(sql: string): unknown }): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (text: string) => {
    // Every transaction takes the write lock when it begins. A deferred one that reads first
    // and writes later cannot wait for another process's lock (SQLite answers "database is
    // locked" at once, busy_timeout or not); BEGIN IMMEDIATE waits on busy_timeout instead.
    const sql = text === 'BEGIN;' ? 'BEGIN IMMEDIATE;' : text;
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= 1000) cache.clear();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}

type SqliteConnection = { prepare(sql: string): { get(): unknown } };
const connectionSerials = new WeakMap<object, number>();
let lastSerial = 0;

/**
 * Moves whenever another connection (a worker process, another instance) commits to the
 * database: SQLite's `data_version`, with the connection's serial in case the pool replaced it.
 * Changes made through this connection do not move it; the caller counts those itself.
 * Undefined on another client.
 */
export async function sqliteDataVersion(knex: Knex): Promise<string | undefined> {
  return withSqliteConnection(knex, (conn) => {
    let serial = connectionSerials.get(conn);
    if (serial === undefined) connectionSerials.set(conn, (serial = ++lastSerial));
    const row = conn.prepare('pragma data_version').get() as { data_version: number };
    return `${serial}:${row.data_version}`;
  });
}
