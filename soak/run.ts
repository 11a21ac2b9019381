import { spawn } from 'node:child_process';
import type { Knex } from 'knex';
import { PrivateMariaDb } from './private-mariadb.ts';
import { seedPaidOrders, WorkerFleet, type SoakSettings } from './soak-world.ts';
import { soakReport } from './soak-report.ts';

const SCENARIOS = ['kill', 'restart', 'chaos', 'fuzz'] as const;
type Scenario = (typeof SCENARIOS)[number];
type Engine = 'sqlite' | 'mysql';

const SHARED_MARIADB = process.env.SOAK_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** 20% of registrar calls go wrong, in five ways: two errors, a late answer, no answer, a lost answer. */
const CHAOS = [
  { kind: 'error' as const, errorCode: 'transient', rate: 0.04 },
  { kind: 'error' as const, errorCode: 'rate_limited', rate: 0.0417 },
  { kind: 'delay' as const, delayMs: 3000, rate: 0.0435 },
  { kind: 'hang' as const, rate: 0.0455 },
  { kind: 'drop' as const, rate: 0.0476 },
];

const USAGE = `usage: npm run soak -- [kill|restart|chaos|fuzz ...] [--engine sqlite|mysql] [--orders N] [--fuzz-runs N] [--short]
  kill     3 worker processes, a random one SIGKILLed every second and replaced (SQLite and MariaDB)
  restart  3 worker processes on a MariaDB of the soak's own, restarted twice; no worker restarted
  chaos    3 worker processes, 20% of registrar calls fail, hang, answer late or lose their answer
  fuzz     every POST route with 10,000 generated forms each (the suite sends 80): 4xx and nothing
           written on a refusal, never a 500 or a stack trace
  --short  60 orders each, 400 forms per route, for CI`;
const FUZZ_RUNS = 10_000;
const FUZZ_RUNS_SHORT = 400;

const log = (line: string) => process.stdout.write(`# ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function unfinished(knex: Knex): Promise<number> {
  return Number((await knex('dt_jobs').whereIn('status', ['queued', 'running']).count({ n: '*' }).first())!.n);
}

async function finished(knex: Knex): Promise<number> {
  return Number((await knex('dt_jobs').where({ type: 'TransferDomainJob', status: 'done' }).count({ n: '*' }).first())!.n);
}

/** The POST-route fuzz test at `runs` forms per route, in its own vitest process. */
async function runFuzz(engine: Engine, runs: number): Promise<string[]> {
  log(`fuzz on ${engine === 'mysql' ? 'MariaDB' : 'SQLite'}, ${runs} forms per route`);
  const started = Date.now();
  const env = { ...process.env, FUZZ_RUNS: String(runs), ...(engine === 'mysql' ? { DATABASE_URL: SHARED_MARIADB } : { DATABASE_URL: '' }) };
  const code = await new Promise<number>((resolve) => {
    const child = spawn('npx', ['vitest', 'run', 'test/security/post-routes.fuzz.test.ts'], { env, stdio: 'inherit' });
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  log(`wall ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const problems = code === 0 ? [] : [`the fuzz test failed (exit ${code}); its output above names the route, seed and path`];
  process.stdout.write(`soak fuzz ${engine}: ${problems.length ? 'FAILED' : 'passed'}\n`);
  return problems;
}

/** Runs one scenario on one engine; returns the problems found (none: it passed). */
async function runScenario(scenario: Scenario, engine: Engine, orders: number): Promise<string[]> {
  // Restarts need work in hand: a slower registrar keeps jobs in flight while the server goes away.
  const latencyMs = scenario === 'restart' ? 1000 : 50;
  const settings: SoakSettings = { orders, workers: 3, concurrency: 5, latencyMs, faults: scenario === 'chaos' ? CHAOS : [] };
  const server = scenario === 'restart' ? new PrivateMariaDb() : undefined;
  if (server) await server.init();
  const base = server ? server.url : engine === 'mysql' ? SHARED_MARIADB : undefined;
  const title = `${scenario} on ${server ? 'a private MariaDB' : engine === 'mysql' ? 'MariaDB' : 'SQLite'}, ${orders} orders`;
  log(title);
  const db = await seedPaidOrders(base, settings, log);
  const fleet = new WorkerFleet(db.url, settings);
  const started = Date.now();
  const deadline = started + Math.max(180_000, orders * 600);
  const problems: string[] = [];
  let kills = 0;
  let restarts = 0;
  let backAt = 0;
  try {
    for (let i = 0; i < settings.workers; i++) fleet.spawn();
    let lastKill = Date.now();
    while ((await unfinished(db.knex).catch(() => Number.POSITIVE_INFINITY)) > 0) {
      if (Date.now() > deadline) {
        problems.push(`not finished within ${Math.round((deadline - started) / 1000)} s`);
        break;
      }
      const elapsed = Date.now() - started;
      if (scenario === 'kill' && Date.now() - lastKill >= 1000) {
        fleet.killOne();
        fleet.spawn();
        kills++;
        lastKill = Date.now();
      }
      // Two restarts while jobs are in hand: once the first transfers are through, and again
      // a second after the server is back; each time down for 3 s.
      if (server && restarts < 2 && (restarts === 0 ? (await finished(db.knex)) > 0 : Date.now() - backAt > 1000)) {
        log(`restarting the database server (${restarts + 1} of 2) after ${(elapsed / 1000).toFixed(1)} s`);
        await server.restart(3000);
        backAt = Date.now();
        restarts++;
      }
      await sleep(200);
    }
    if (server && restarts < 2) problems.push(`the run ended after ${restarts} restart(s), before the second: use more orders`);
    const wall = (Date.now() - started) / 1000;
    const report = await soakReport(db.knex);
    for (const line of report.lines) log(line);
    log(`wall ${wall.toFixed(1)} s; workers spawned ${fleet.spawned}, killed ${kills}; database restarts ${restarts}`);
    problems.push(...report.problems);
    if (scenario !== 'kill') problems.push(...fleet.died);
    if (scenario !== 'kill' && fleet.spawned !== settings.workers) problems.push(`workers were started ${fleet.spawned - settings.workers} extra time(s)`);
    problems.push(...(await fleet.stopAll()));
    if (problems.length) log(`worker logs (last lines):\n${fleet.tail()}`);
  } finally {
    await fleet.stopAll().catch(() => undefined);
    fleet.destroy();
    await db.destroy().catch(() => undefined);
    await server?.destroy();
  }
  process.stdout.write(`soak ${scenario} ${engine}: ${problems.length ? `FAILED (${problems.length} problem(s))` : 'passed'}\n`);
  for (const problem of problems.slice(0, 20)) process.stdout.write(`  - ${problem}\n`);
  return problems;
}

export async function main(argv: string[]): Promise<number> {
  const chosen: Scenario[] = [];
  let engines: Engine[] = ['sqlite', 'mysql'];
  let orders = 1000;
  let fuzzRuns = FUZZ_RUNS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if ((SCENARIOS as readonly string[]).includes(arg)) chosen.push(arg as Scenario);
    else if (arg === '--short') {
      orders = 60;
      fuzzRuns = FUZZ_RUNS_SHORT;
    } else if (arg === '--fuzz-runs' && Number.isInteger(Number(argv[i + 1])) && Number(argv[i + 1]) > 0) fuzzRuns = Number(argv[++i]);
    else if (arg === '--orders' && Number.isInteger(Number(argv[i + 1])) && Number(argv[i + 1]) > 0) orders = Number(argv[++i]);
    else if (arg === '--engine' && (argv[i + 1] === 'sqlite' || argv[i + 1] === 'mysql')) engines = [argv[++i] as Engine];
    else {
      process.stderr.write(`${arg === '--help' ? '' : `soak: unknown argument "${arg}"\n`}${USAGE}\n`);
      return arg === '--help' ? 0 : 2;
    }
  }
  let failed = 0;
  for (const scenario of chosen.length ? chosen : SCENARIOS) {
    // The restart scenario needs a server it may restart: its own MariaDB.
    for (const engine of scenario === 'restart' ? (['mysql'] as Engine[]) : engines) {
      const problems = scenario === 'fuzz' ? await runFuzz(engine, fuzzRuns) : await runScenario(scenario, engine, orders);
      if (problems.length) failed++;
    }
  }
  return failed ? 1 : 0;
}
