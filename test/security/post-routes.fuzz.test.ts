import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { DEMO } from '../../host/test/host.test-support.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { runJobs } from '../transfer-in/transfer-in.support.ts';
import { OURS, OURS_CLASSIC, OURS_LOCKED } from '../transfer-out/transfer-out.support.ts';
import { formInput, param, percentEncode, send, WRONG_TOKENS, type FormInput } from './post-routes.fuzz-forms.ts';
import {
  BOOKKEEPING_TABLES,
  changedTables,
  createFuzzWorld,
  FUZZ_RUNS,
  FUZZ_SEED,
  login,
  preparer,
  revive,
  rowCounts,
  scenarios,
  snapshotOf,
  tablesOf,
  type FuzzWorld,
  type Session,
} from './post-routes.fuzz-world.ts';

/**
 * Every POST route of the module's client and admin routers and of the reference host gets
 * arbitrary forms from the right person with a valid CSRF token, and must answer below 500,
 * without a stack trace or unescaped markup, and write nothing when it refuses (4xx). With a
 * wrong token every route answers 403 and writes nothing at all.
 *
 * FUZZ_RUNS sets the runs per route (default 80, under a minute on two cores; the soak runs
 * 10000), FUZZ_SEED the seed (fixed, so every run sends the same requests). A failure prints
 * `{ seed, path }`: FUZZ_SEED=<seed> FUZZ_PATH=<path> with `-t '<route>'` replays that case.
 * FUZZ_VERBOSE=1 prints how often each route answered each status.
 */

const db = useMigratedDatabase();

interface FuzzRoute {
  /** As the reference host mounts it. */
  route: string;
  /** Who posts: a logged-in client or admin, nobody yet, or a client logged in for this route alone (it logs out). */
  as: 'client' | 'admin' | 'visitor' | 'client of its own';
  setup?: Array<(w: FuzzWorld) => Promise<void>>;
  /** Values of the path's `:params` that exist once set up. */
  params?: (w: FuzzWorld) => Record<string, readonly string[]>;
  query?: readonly string[];
  /** The part of FUZZ_RUNS this route gets (the login form hashes every password it is given: slow by design). */
  share?: number;
  /** The fields the route reads, with values that make sense to it. */
  fields?: Record<string, readonly string[]>;
  /** Tables a refusal writes by design, beyond BOOKKEEPING_TABLES. */
  refusalWrites?: string[];
  /** After a request that was carried out: back to the set-up state, so later runs reach the same code again. */
  reset?: true;
  /** ... or this, which moves the state on to where the route acts again. */
  afterSuccess?: (w: FuzzWorld, session: Session) => Promise<void>;
}

const OWN = [OURS, OURS_LOCKED, OURS_CLASSIC];
const CONFIRM = ['yes', 'no', 'YES'];
// Get EPP Code: the form's one-time token is recorded on first use, before the rules and the
// registrar have their say, so the same form may try again after a refusal (issue-once.tokens.ts);
// the hourly allowance creates its bucket row before counting and keeps an attempt that passed
// the limit even when the registrar then refuses (rate-limit.store.ts).
const EPP_CODE_REFUSAL_WRITES = ['dt_issue_once_tokens', 'dt_rate_limit_buckets', 'dt_rate_limit_hits'];
const ISSUE_PLACEHOLDER = '$issue';

function transferOutRoutes(side: 'client' | 'admin'): FuzzRoute[] {
  const own = () => ({ domain: OWN });
  return [
    ...['lock', 'unlock'].map((action) => ({ route: `POST /${side}/domains/:domain/${action}`, as: side, params: own })),
    { route: `POST /${side}/domains/:domain/epp-code`, as: side, params: own, fields: { issue: [ISSUE_PLACEHOLDER] }, refusalWrites: EPP_CODE_REFUSAL_WRITES },
    ...['cancel', 'approve', 'reject'].map((action) => ({
      route: `POST /${side}/domains/:domain/transfer-out/${action}`,
      as: side,
      setup: [scenarios.pendingTransferOut],
      params: own,
      fields: { confirm: CONFIRM, reason: ['Not me.'], gaining: ['other-registrar'] },
      reset: true,
    })),
  ];
}

const WRONG_CODE = { domain: ['demo-wrong-code.com'] };
const rerunJobs = async (w: FuzzWorld) => void (await runJobs(w.world));

const ROUTES: FuzzRoute[] = [
  {
    route: 'POST /client/order/domain',
    as: 'client',
    query: ['?action=transfer', '?action=transfer', '?action=transfer', '', '?action=renew', '?action=transfer&action=transfer'],
    reset: true,
    fields: {
      domain: ['demo-transferable.com', 'demo-locked.com', 'demo-new.com', 'handmade-example.biz', 'www.demo-transferable.com', 'münchen.com', 'example.invalid'],
      eppCode: [SANDBOX_DEMO_AUTH_CODE, `${SANDBOX_DEMO_AUTH_CODE} `, 'Manual-Code-0001'],
      action: ['transfer'],
    },
  },
  { route: 'POST /client/domains/:domain/transfer/auth-code', as: 'client', setup: [scenarios.refusedCode], params: () => WRONG_CODE, fields: { eppCode: ['Corrected-Code-1!', SANDBOX_DEMO_AUTH_CODE] }, afterSuccess: rerunJobs },
  // The sandbox never waits on the registrant's email: every form here is refused, and writes nothing.
  { route: 'POST /client/domains/:domain/transfer/resend-email', as: 'client', setup: [scenarios.refusedCode], params: () => ({ domain: ['demo-wrong-code.com', 'not-ours.com'] }) },
  { route: 'POST /client/domains/:domain/transfer/cancel', reset: true, as: 'client', setup: [scenarios.refusedCode], params: () => WRONG_CODE, fields: { confirm: CONFIRM } },
  ...transferOutRoutes('client'),
  { route: 'POST /admin/domains/:domain/transfer', as: 'admin', setup: [scenarios.refusedCode], params: () => WRONG_CODE, afterSuccess: rerunJobs },
  { route: 'POST /admin/domains/:domain/transfer/cancel', reset: true, as: 'admin', setup: [scenarios.refusedCode], params: () => WRONG_CODE, fields: { confirm: CONFIRM } },
  { route: 'POST /admin/domains/:domain/settlement/credit', reset: true, as: 'admin', setup: [scenarios.awaitingAdmin], params: () => WRONG_CODE },
  { route: 'POST /admin/domains/:domain/settlement/settled-elsewhere', reset: true, as: 'admin', setup: [scenarios.awaitingAdmin], params: () => WRONG_CODE, fields: { note: ['Refunded to the card ending 4242.'] } },
  ...transferOutRoutes('admin'),
  { route: 'POST /admin/jobs/:id/retry', reset: true, as: 'admin', setup: [scenarios.refusedCode, scenarios.deadJobs], params: (w) => ({ id: w.ids.jobs }) },
  { route: 'POST /admin/sync/run', as: 'admin' },
  {
    route: 'POST /admin/bulk-transfers',
    as: 'admin',
    fields: { client: ['1', '999999', ''], paste: ['demo-transferable.com,code1234', 'domain,auth_code\r\n', 'client,domain,auth_code\n1,demo-locked.com,"a,""b"""', 'not a name,x', '\u0000\u0001'] },
  },
  { route: 'POST /admin/api-keys', as: 'admin', reset: true, fields: { name: ['CI deploy', '', '钥匙'], scopes: ['domains:read', 'transfers:write', 'bogus', ''], client: ['1', '', '999999'] } },
  { route: 'POST /admin/api-keys/:keyId/revoke', as: 'admin', reset: true, setup: [scenarios.apiKey], params: (w) => ({ keyId: [...w.ids.keys, '999999'] }) },
  { route: 'POST /admin/bulk-transfers/:bulkId/confirm', as: 'admin', reset: true, setup: [scenarios.checkedBulkImport], params: (w) => ({ bulkId: [...w.ids.bulk, 'no-such-import'] }) },
  {
    route: 'POST /admin/domains/bulk-action',
    as: 'admin',
    reset: true,
    fields: {
      action: ['lock', 'unlock', 'sync', 'retry_transfer', 'delete'],
      status: ['active', 'pending', 'nonsense'],
      registrar: ['sandbox', 'nowhere'],
      q: ['demo-ours', '例子', '\u0000'],
      client: ['1', '999999'],
      tld: ['com', '.net'],
      failure: ['auth_code_invalid', 'nope'],
    },
  },
  {
    route: 'POST /admin/registrars/sandbox/:adapterId/domains/:domain/:action',
    as: 'admin',
    reset: true,
    setup: [scenarios.pendingTransferIn, scenarios.pendingTransferOut],
    params: () => ({ adapterId: ['sandbox'], domain: ['demo-transferable.com', OURS, OURS_CLASSIC, 'demo-pending.org'], action: ['approve', 'reject', 'transfer-away', 'request-transfer-out'] }),
    fields: { reason: ['The registrant said no.'] },
  },
  { route: 'POST /admin/registrars/manual-tasks/:id/reveal', as: 'admin', setup: [scenarios.manualTask], params: (w) => ({ id: w.ids.tasks }) },
  {
    route: 'POST /admin/registrars/manual-tasks/:id/complete',
    as: 'admin',
    reset: true,
    setup: [scenarios.manualTask],
    params: (w) => ({ id: w.ids.tasks }),
    fields: { outcome: ['completed', 'rejected', 'done'], expiryDate: ['2027-06-01', '2027-02-30'], reason: ['Refused by the registry.'], emailedTo: ['owner@example.com'] },
  },
  {
    route: 'POST /admin/registrars/sandbox/:adapterId/faults',
    as: 'admin',
    params: () => ({ adapterId: ['sandbox'] }),
    fields: { operation: ['*', 'transfer', 'getEppCode', 'poll'], kind: ['error', 'delay', 'hang', 'drop'], errorCode: ['transient', 'not_found'], delayMs: ['100', '0'], domainPattern: ['*', 'demo-*.com'], times: ['1', '3'], ratePercent: ['50', '100', '101'] },
  },
  { route: 'POST /admin/registrars/sandbox/:adapterId/faults/clear', as: 'admin', params: () => ({ adapterId: ['sandbox'] }) },
  {
    route: 'POST /login',
    as: 'visitor',
    share: 0.25,
    fields: { email: [DEMO.client.email, DEMO.admin.email, 'nobody@example.com'], password: [DEMO.client.password, DEMO.admin.password, 'wrong'], next: ['/client', '//evil.example', 'javascript:alert(1)', '/admin'] },
  },
  { route: 'POST /logout', as: 'client of its own', afterSuccess: (w, session) => revive(w.db, session) },
  {
    route: 'POST /client/profile',
    as: 'client',
    fields: {
      name: ['Ada Lovelace'], organization: ['', 'Analytical Engines Ltd'], email: ['ada@example.com'], phone: ['+44.2079460000', ''], street: ['1 Main St\nFlat 2'],
      city: ['London'], state: [''], postcode: ['N1 9GU'], countryCode: ['GB', 'gb'], locale: ['', 'en', 'zh-CN'],
    },
  },
  { route: 'POST /client/invoices/:id/pay', reset: true, as: 'client', setup: [scenarios.unpaidInvoice, scenarios.refusedCode], params: (w) => ({ id: w.ids.invoices }), fields: { amount: ['10.99', '1', '0.01', '', '10,99'], gateway: ['credit', 'simulated'] } },
  { route: 'POST /admin/invoices/:id/mark-paid', reset: true, as: 'admin', setup: [scenarios.unpaidInvoice], params: (w) => ({ id: w.ids.invoices }) },
  { route: 'POST /admin/invoices/:id/notify', as: 'admin', setup: [scenarios.refusedCode], params: (w) => ({ id: w.ids.invoices }) },
];

/** The route's URL with each `:param` drawn from `value`. */
function pathOf(route: FuzzRoute, w: FuzzWorld, value: (real: readonly string[]) => fc.Arbitrary<string>): fc.Arbitrary<string> {
  const template = route.route.slice('POST '.length);
  const params = route.params?.(w) ?? {};
  const names = [...template.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const query = route.query ? fc.constantFrom(...route.query) : fc.constant('');
  return fc.tuple(fc.tuple(...names.map((name) => value(params[name] ?? ['1']))), query).map(([values, q]) => template.replace(/:(\w+)/g, (_, name: string) => values[names.indexOf(name)]!) + q);
}

/** Get EPP Code posts the token of the page's form; the fuzzer's placeholder takes a fresh one. */
async function withIssueToken(session: Session, path: string, input: FormInput): Promise<FormInput> {
  const placeholder = percentEncode(ISSUE_PLACEHOLDER);
  if (!input.body.includes(placeholder)) return input;
  const page = await session.agent.get(path.replace(/\/epp-code$/, '')).redirects(0);
  const token = /name="issue" value="([^"]+)"/.exec(page.text ?? '')?.[1] ?? '';
  return { ...input, body: input.body.split(placeholder).join(percentEncode(token)) };
}

const STACK_FRAME = /\bat (?:\S+ )?\(?(?:file:\/\/)?[\w.\\/-]*[\\/][\w.-]+\.(?:ts|js|mjs|cjs):\d+/;
const RAW_ERROR = /\b[A-Z]?[a-zA-Z]*Error: /;
/** A statement or a driver's message, as knex puts it in an error (the page escapes the backticks). */
const RAW_DATABASE_ERROR = /\b(?:insert into|delete from)\b|\b(?:update|from) (?:`|&#x60;)|\bSQLITE_[A-Z]+|\bER_[A-Z_]{3,}|\bfor column\b/i;
const REFLECTED_MARKUP = ['<script>alert(1)', '<img src=x onerror', '<svg onload'];

/** What of `text` matches `pattern`, with some context; '' when nothing does. */
function found(text: string, pattern: RegExp | string): string {
  const at = typeof pattern === 'string' ? text.indexOf(pattern) : text.search(pattern);
  return at < 0 ? '' : text.slice(Math.max(0, at - 80), at + 160);
}

function expectSound(answer: { status: number; text?: string; headers: Record<string, string> }, changed: string[]): void {
  const text = answer.text ?? '';
  expect(answer.status, found(text, /<main>|"error"/) || text.slice(0, 300)).toBeLessThan(500);
  expect(found(text, STACK_FRAME), 'a stack trace in the answer').toBe('');
  expect(found(text, RAW_ERROR), 'a raw error in the answer').toBe('');
  expect(found(text, RAW_DATABASE_ERROR), 'a database statement or error in the answer').toBe('');
  if (String(answer.headers['content-type']).startsWith('text/html')) {
    for (const markup of REFLECTED_MARKUP) expect(found(text, markup), 'unescaped markup in the page').toBe('');
  }
  if (answer.status >= 400) expect(changed, `a ${answer.status} answer wrote rows`).toEqual([]);
}

const runsOf = (route: FuzzRoute) => Math.max(5, Math.ceil(FUZZ_RUNS * (route.share ?? 1)));
const timeout = (runs: number) => 60_000 + runs * 400;

let w: FuzzWorld;
let prepare: ReturnType<typeof preparer>;
beforeAll(async () => {
  w = await createFuzzWorld(db);
  prepare = preparer(w, await snapshotOf(db));
  console.log(`[fuzz] seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs per route on ${db.engine}`);
}, 120_000);
afterAll(() => w?.close());

/** The person posting, as the route says. */
async function sessionFor(route: FuzzRoute): Promise<Session> {
  if (route.as === 'visitor') return { agent: request.agent(w.server), csrf: '' };
  if (route.as === 'client of its own') return login(w.server, DEMO.client, '/client', db);
  return w[route.as];
}

describe('every POST route, fuzzed', () => {
  it('covers every POST route the reference host serves', () => {
    expect(postRoutesOf(w.host.app).sort()).toEqual(ROUTES.map((r) => r.route).sort());
  });

  for (const route of ROUTES) describe(route.route, () => {
    it('answers any form with the right token below 500, and writes nothing when it refuses', async () => {
      await prepare(route.setup ?? []);
      const tables = await tablesOf(db);
      const session = await sessionFor(route);
      const ignored = [...BOOKKEEPING_TABLES, ...(route.refusalWrites ?? [])];
      const statuses = new Map<number, number>();
      const property = fc.asyncProperty(pathOf(route, w, (real) => param(real)), formInput(route.fields ?? {}), async (path, input) => {
        await w.settle();
        const before = await rowCounts(db, tables);
        const answer = await send(session, path, await withIssueToken(session, path, input));
        await w.settle();
        const changed = changedTables(before, await rowCounts(db, tables), ignored);
        if (answer.status < 400 && route.reset) await prepare(route.setup ?? []);
        if (answer.status < 400) await route.afterSuccess?.(w, session);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expectSound(answer, changed);
      });
      await fc.assert(property, { seed: FUZZ_SEED, numRuns: runsOf(route), path: process.env.FUZZ_PATH });
      if (process.env.FUZZ_VERBOSE) console.log(`[fuzz] ${route.route}: ${[...statuses].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`);
    }, timeout(runsOf(route)));

    it(route.as === 'visitor' ? 'refuses a form from another site (403) and writes nothing' : 'refuses a wrong CSRF token (403) and writes nothing', async () => {
      await prepare(route.setup ?? []);
      const tables = await tablesOf(db);
      const session = await sessionFor(route);
      const other = route.as === 'admin' ? w.client.csrf : w.admin.csrf;
      // A plain form of a size the parser takes: the token check, not the parser, must answer.
      const input = formInput(route.fields ?? {}).filter((i) => i.body.length < 60_000 && i.body.split('&').length < 900);
      const property = fc.asyncProperty(pathOf(route, w, (real) => fc.constantFrom(...real)), input, fc.constantFrom(...WRONG_TOKENS), fc.constantFrom('http://evil.example', 'null'), async (path, form, wrong, origin) => {
        const before = await rowCounts(db, tables);
        const plain = { ...form, contentType: 'application/x-www-form-urlencoded', csrf: 'body' as const };
        const answer = route.as === 'visitor' ? await send(session, path, plain, { headers: { origin } }) : await send(session, path, plain, { wrong, other });
        await w.settle();
        expect(answer.status, (answer.text ?? '').slice(0, 300)).toBe(403);
        expect(changedTables(before, await rowCounts(db, tables), ['host_sessions'])).toEqual([]);
      });
      await fc.assert(property, { seed: FUZZ_SEED, numRuns: Math.max(8, Math.ceil(FUZZ_RUNS / 10)) });
    }, timeout(Math.ceil(FUZZ_RUNS / 10)));
  });
});

describe('found by fuzzing', () => {
  // On MySQL/MariaDB `dt_sandbox_faults.remaining` is a 32-bit INT and checkFault takes any whole
  // number; the route turns every error of addFault, the database's included, into a 422 that
  // prints the error's message: the whole INSERT statement and the driver's complaint.
  it('Admin → Sandbox → Faults answers a `times` past what the database holds without the SQL statement, in the page and in JSON', async () => {
    await prepare([]);
    const tables = await tablesOf(db);
    for (const accept of ['text/html', 'application/json']) {
      const before = await rowCounts(db, tables);
      const form = { _csrf: w.admin.csrf, kind: 'error', errorCode: 'transient', times: '2147483648' };
      const answer = await w.admin.agent.post('/admin/registrars/sandbox/sandbox/faults').set('accept', accept).type('form').send(form).redirects(0).ok(() => true);
      expect([303, 422]).toContain(answer.status);
      expect(found(answer.text, RAW_DATABASE_ERROR), 'the database statement in the answer').toBe('');
      if (answer.status === 422) expect(changedTables(before, await rowCounts(db, tables), BOOKKEEPING_TABLES)).toEqual([]);
    }
  });
});

/** `POST <full path>` of every route in the app, sub-routers included, as Express holds them. */
function postRoutesOf(app: unknown): string[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] }; rawPath?: string; slash?: boolean };
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      // The JSON API takes bearer keys and JSON, not forms: test/api/api.fuzz.test.ts fuzzes it.
      if (layer.rawPath === '/api/v1') continue;
      if (layer.route?.methods.post) found.push(`POST ${prefix}${layer.route.path}`);
      else if (layer.handle?.stack) walk(layer.handle.stack, layer.slash || !layer.rawPath ? prefix : `${prefix}${layer.rawPath}`);
    }
  };
  walk((app as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}
