import { Readable } from 'node:stream';
import http from 'node:http';
import request from 'supertest';
import type { Host } from '../../host/build-host.ts';
import { csrfOf, DEMO, type Agent } from '../../host/test/host.test-support.ts';
import { engineOf } from '../../module/database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { emptyAllTables, type TestDatabase } from '../support/test-database.ts';
import { createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from '../transfer-in/transfer-in.support.ts';
import { OURS, OURS_CLASSIC, OURS_LOCKED, sandboxOf } from '../transfer-out/transfer-out.support.ts';

/** FUZZ_RUNS: runs of each route's property (the soak sets thousands); FUZZ_SEED replays a failure. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS) || 80;
export const FUZZ_SEED = Number(process.env.FUZZ_SEED) || 20_260_601;

/**
 * Tables a request may write whatever it answers: the session store (express-session touches
 * and saves sessions, and prunes expired ones on a timer of its own) and the login throttle,
 * which records every refused login by design (that is how it counts them).
 */
export const BOOKKEEPING_TABLES = ['host_sessions', 'host_login_failures'];

/** A biz TLD served by a registrar that needs a person, and paid transfers that end left to an admin. */
export const FUZZ_CONFIG = {
  registrars: { sandbox: { adapter: 'sandbox', options: {} }, byhand: { adapter: 'manual', options: { registrarName: 'Example Registrar' } } },
  tldRouting: { com: 'sandbox', net: 'sandbox', org: 'sandbox', biz: 'byhand' },
  pricing: { currency: 'USD', transferFee: { com: 1099, net: 1199, org: 1299, biz: 1599 } },
  billing: { onPaidTransferEnded: 'admin_decides' },
};

export interface Session {
  agent: Agent;
  csrf: string;
  /** The session cookie and stored row as the login left them, to put back after a logout. */
  saved?: { cookie: string; row: Record<string, unknown> };
}

/**
 * One reference host for the whole file, serving one listening server (a request per run costs
 * no new server), with the demo users, the sandbox, the demo client's sponsored domains and a
 * client and an admin logged in. Each test restores the database to a snapshot taken once per
 * set-up (see `prepare`), so the sessions stay valid and no test re-hashes a password.
 */
export interface FuzzWorld {
  world: TransferWorld;
  host: Host;
  server: http.Server;
  db: TestDatabase;
  client: Session;
  admin: Session;
  /** Ids the routes' `:id` parameters pick from, filled by the scenarios. */
  ids: { invoices: string[]; jobs: string[]; tasks: string[]; bulk: string[]; keys: string[] };
  /** Waits for work a route started and did not await (Admin → Sync → Run sync now). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Logs in through the form, as loginAs does, on the world's server. */
export async function login(server: http.Server, who: { email: string; password: string }, page: string, db?: TestDatabase): Promise<Session> {
  const agent = request.agent(server);
  const response = await agent.post('/login').type('form').send(who);
  if (response.status !== 303) throw new Error(`login as ${who.email} answered ${response.status}`);
  const session: Session = { agent, csrf: await csrfOf(agent, page) };
  const cookie = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('dt.sid='));
  const sid = cookie && /^dt\.sid=s%3A([^.;]+)\./.exec(cookie)?.[1];
  if (db && cookie && sid) session.saved = { cookie, row: await db.knex('host_sessions').where({ sid: decodeURIComponent(sid) }).first() };
  return session;
}

/** Undoes a logout without another password check (scrypt is slow by design): the stored session and its cookie come back. */
export async function revive(db: TestDatabase, session: Session): Promise<void> {
  if (!session.saved) throw new Error('the session was not saved at login');
  const { cookie, row } = session.saved;
  if (!(await db.knex('host_sessions').where({ sid: row.sid }).first())) await db.knex('host_sessions').insert(row);
  (session.agent as unknown as { jar: { setCookies(cookies: string[]): void } }).jar.setCookies([cookie]);
}

export async function createFuzzWorld(db: TestDatabase): Promise<FuzzWorld> {
  const world = await createTransferWorld(db, { config: FUZZ_CONFIG });
  const { host } = world;
  const server = http.createServer(host.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const clientId = String((await host.accounts.findUserByEmail(DEMO.client.email))!.client_id);
  for (const domain of [OURS, OURS_LOCKED, OURS_CLASSIC]) await host.module.services.adoptDomain({ domain, clientId, registrarId: 'sandbox' });
  // Run sync now answers at once and goes on in the background: its writes belong to the request.
  const running: Array<Promise<unknown>> = [];
  const sync = host.module.services.sync;
  const runNow = sync.runNow.bind(sync);
  sync.runNow = async (options) => {
    const started = await runNow(options);
    running.push(started.done.catch(() => undefined));
    return started;
  };
  return {
    world,
    host,
    server,
    db,
    client: await login(server, DEMO.client, '/client'),
    admin: await login(server, DEMO.admin, '/admin'),
    ids: { invoices: [], jobs: [], tasks: [], bulk: [], keys: [] },
    settle: async () => {
      while (running.length) await running.shift();
    },
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await host.close();
    },
  };
}

type Rows = Record<string, Array<Record<string, unknown>>>;

/** Every row of every table, without generated columns (the database writes those itself). */
export async function snapshotOf(db: TestDatabase): Promise<Rows> {
  const rows: Rows = {};
  for (const table of await tablesOf(db)) {
    const generated = await generatedColumns(db, table);
    rows[table] = (await db.knex(table).select('*')).map((row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([column]) => !generated.has(column))));
  }
  return rows;
}

async function generatedColumns(db: TestDatabase, table: string): Promise<Set<string>> {
  if (engineOf(db.knex) === 'sqlite') {
    const columns: Array<{ name: string; hidden: number }> = await db.knex.raw('select name, hidden from pragma_table_xinfo(?)', [table]);
    return new Set(columns.filter((c) => c.hidden === 2 || c.hidden === 3).map((c) => c.name));
  }
  const [columns] = await db.knex.raw("select column_name as name from information_schema.columns where table_schema = database() and table_name = ? and extra like '%GENERATED%'", [table]);
  return new Set((columns as Array<{ name: string }>).map((c) => c.name));
}

/** Puts `rows` back into the emptied tables, foreign keys checked only once all are in. */
export async function restore(db: TestDatabase, rows: Rows): Promise<void> {
  const sqlite = engineOf(db.knex) === 'sqlite';
  await db.knex.transaction(async (trx) => {
    await trx.raw(sqlite ? 'PRAGMA defer_foreign_keys = ON' : 'SET FOREIGN_KEY_CHECKS = 0');
    for (const [table, list] of Object.entries(rows)) for (let i = 0; i < list.length; i += 50) await trx(table).insert(list.slice(i, i + 50));
    if (!sqlite) await trx.raw('SET FOREIGN_KEY_CHECKS = 1');
  });
}

/**
 * Brings the database to the state after `setups`, running them the first time and restoring
 * their snapshot afterwards: every test, and every run that changed the state if its route asks.
 */
export function preparer(w: FuzzWorld, base: Rows) {
  const prepared = new Map<string, { rows: Rows; ids: FuzzWorld['ids'] }>();
  return async (setups: Array<(w: FuzzWorld) => Promise<void>>): Promise<void> => {
    const key = setups.map((s) => s.name).join('+');
    let state = prepared.get(key);
    if (!state) {
      await emptyAllTables(w.db.knex);
      await restore(w.db, base);
      w.ids = { invoices: [], jobs: [], tasks: [], bulk: [], keys: [] };
      for (const setup of setups) await setup(w);
      state = { rows: await snapshotOf(w.db), ids: structuredClone(w.ids) };
      prepared.set(key, state);
    }
    await emptyAllTables(w.db.knex);
    await restore(w.db, state.rows);
    w.ids = structuredClone(state.ids);
  };
}

/** The states the routes act on; each route's test sets up the ones it needs. */
export const scenarios = {
  /** A paid demo-wrong-code.com transfer the registry refused: it waits for a corrected code. */
  async refusedCode(w: FuzzWorld) {
    const ordered = await orderTransfer(w.world, 'demo-wrong-code.com', 'Wrong-Code-4711');
    await payInvoice(w.world, ordered.headers.location!);
    await runJobs(w.world);
    w.ids.invoices.push(ordered.headers.location!.split('/').pop()!);
  },
  /** ... then cancelled by the client: the money waits for an admin's decision. */
  async awaitingAdmin(w: FuzzWorld) {
    await scenarios.refusedCode(w);
    await w.client.agent.post('/client/domains/demo-wrong-code.com/transfer/cancel').type('form').send({ _csrf: w.client.csrf, confirm: 'yes' });
    await runJobs(w.world);
  },
  /** An unpaid invoice for demo-transferable.com. */
  async unpaidInvoice(w: FuzzWorld) {
    const ordered = await orderTransfer(w.world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    w.ids.invoices.push(ordered.headers.location!.split('/').pop()!);
  },
  /** A transfer pending at the sandbox registry (paid demo-transferable.com). */
  async pendingTransferIn(w: FuzzWorld) {
    const ordered = await orderTransfer(w.world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(w.world, ordered.headers.location!);
    await runJobs(w.world);
  },
  /** Another registrar asks for demo-ours.com. */
  async pendingTransferOut(w: FuzzWorld) {
    await sandboxOf(w.host).requestTransferOut(OURS, 'other-registrar').catch(() => undefined);
  },
  /** Every job dead, as if out of attempts (Admin → Jobs → Retry). */
  async deadJobs(w: FuzzWorld) {
    await w.db.knex('dt_jobs').update({ status: 'dead', last_error: 'out of attempts' });
    w.ids.jobs = (await w.db.knex('dt_jobs').select('id')).map((r) => String(r.id));
  },
  /** A checked bulk transfer preview with demo-transferable.com accepted (Admin → Bulk transfers → confirm). */
  async checkedBulkImport(w: FuzzWorld) {
    const clientId = String((await w.host.accounts.findUserByEmail(DEMO.client.email))!.client_id);
    const created = await w.host.module.services.bulkImports.createFromCsv(Readable.from([Buffer.from('demo-transferable.com,code1234\ndemo-locked.com,code5678\n')]), { actor: 'admin:1', defaultClientId: clientId });
    await runJobs(w.world);
    w.ids.bulk.push(created.public_id);
  },
  /** An API key (Admin → API keys → Revoke). */
  async apiKey(w: FuzzWorld) {
    const { key } = await w.host.module.services.apiKeys.create({ name: 'fuzz', scopes: ['domains:read'], actor: 'admin:1' });
    w.ids.keys.push(String(key.id));
  },
  /** A paid handmade-example.biz transfer: a task for staff at the manual registrar. */
  async manualTask(w: FuzzWorld) {
    const ordered = await orderTransfer(w.world, 'handmade-example.biz', 'Manual-Code-0001');
    await payInvoice(w.world, ordered.headers.location!);
    await runJobs(w.world);
    w.ids.tasks = (await w.db.knex('dt_manual_tasks').select('id')).map((r) => String(r.id));
  },
};

/** Every table but migration bookkeeping, as the database lists them. */
export async function tablesOf(db: TestDatabase): Promise<string[]> {
  const rows: Array<{ name: string }> =
    engineOf(db.knex) === 'sqlite'
      ? await db.knex.raw(`select name from sqlite_master where type='table' and name not like 'sqlite_%'`)
      : (await db.knex.raw('select table_name as name from information_schema.tables where table_schema = database()'))[0];
  return rows.map((r) => r.name).filter((name) => !/_knex_migrations(_lock)?$/.test(name)).sort();
}

/** Row counts of `tables`, in one statement. */
export async function rowCounts(db: TestDatabase, tables: string[]): Promise<Record<string, number>> {
  const sql = `select ${tables.map(() => '(select count(*) from ??) as ??').join(', ')}`;
  const result = await db.knex.raw(sql, tables.flatMap((t) => [t, t]));
  const row = (engineOf(db.knex) === 'sqlite' ? result[0] : result[0][0]) as Record<string, unknown>;
  return Object.fromEntries(tables.map((t) => [t, Number(row[t])]));
}

/** Tables whose row count changed. */
export function changedTables(before: Record<string, number>, after: Record<string, number>, ignored: readonly string[]): string[] {
  return Object.keys(before).filter((t) => !ignored.includes(t) && before[t] !== after[t]).map((t) => `${t}: ${before[t]} → ${after[t]}`);
}
