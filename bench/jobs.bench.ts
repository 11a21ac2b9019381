import { createKnex, parseDatabaseUrl } from '../module/database.ts';
import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { createBenchHost, setSandboxLatency } from './bench-host.ts';
import { collectSeedGarbage, cpuFigures, databaseSizeMB, profileTimedPart, runBenchProcess, trackCpu, trackPeakRss, type Benchmark } from './harness.ts';
import { seedPaidOrders } from './seed-orders.ts';

const ORDERS = 10_000;
const LATENCY_MS = 20;
const CONCURRENCY = 50;
const HOST_CONFIG = { jobs: { runInHost: false, concurrency: CONCURRENCY, pollIntervalMs: 50 } };

const benchName = (i: number) => `bench-${String(i).padStart(7, '0')}.com`;

/** `jobs N --seed-into URL`: the registry's domains and N paid orders, written into URL's database. */
async function seedInto(url: string, orders: number): Promise<void> {
  const knex = createKnex(parseDatabaseUrl(url));
  try {
    const { host, clientId, sandbox } = await createBenchHost(knex, HOST_CONFIG);
    const names = Array.from({ length: orders }, (_, i) => benchName(i));
    for (let from = 0; from < names.length; from += 10_000) await sandbox.registry.addDomains(names.slice(from, from + 10_000).map((name) => ({ name })));
    await seedPaidOrders(knex, host, clientId, names);
    await host.close();
  } finally {
    await knex.destroy();
  }
}

/**
 * 10,000 paid transfer orders, each a TransferDomainJob against the sandbox at 20 ms per
 * registrar call, run by one worker with 50 slots. The floor is N·L/C: the registrar's own
 * latency spread perfectly over the slots.
 */
const benchmark: Benchmark = {
  name: 'jobs',
  description: `${ORDERS} paid orders → TransferDomainJob → pending (sandbox ${LATENCY_MS} ms, concurrency ${CONCURRENCY})`,
  async run({ args, log }) {
    const orders = Number(args[0] ?? ORDERS);
    const into = args.indexOf('--seed-into');
    if (into !== -1) {
      await seedInto(args[into + 1]!, orders);
      return [];
    }
    const db = await createMigratedDatabase();
    try {
      log(`seeding ${orders} paid orders on ${db.engine}`);
      // In a process of its own: what seeding leaves behind in a process (a grown V8 heap, pages
      // the allocator keeps) is not the run's memory, and a worker process never seeds.
      await runBenchProcess(['jobs', String(orders), '--seed-into', db.url]);
      const { host, sandbox } = await createBenchHost(db.knex, HOST_CONFIG);
      const queued = Number((await db.knex('dt_jobs').where({ status: 'queued' }).count({ n: '*' }).first())!.n);
      if (queued !== orders) throw new Error(`expected ${orders} queued jobs, found ${queued}`);
      // Building the host leaves garbage of its own; collected before the timed part.
      await collectSeedGarbage();

      // Latency on from here: only the job run is timed.
      setSandboxLatency(sandbox, LATENCY_MS);
      const worker = host.module.services.createWorker({ concurrency: CONCURRENCY });
      // BENCH_TRACE_QUERIES=1 lists the statements the timed part ran with their total time, costliest first.
      const queryCounts = new Map<string, { n: number; ms: number }>();
      if (process.env.BENCH_TRACE_QUERIES) {
        const started = new Map<string, { key: string; at: bigint }>();
        db.knex.on('query', (q: { sql: string; __knexQueryUid: string }) => {
          const key = q.sql.replace(/\(\?(, \?)*\)(, \(\?(, \?)*\))*/g, '(…)').slice(0, 110);
          started.set(q.__knexQueryUid, { key, at: process.hrtime.bigint() });
        });
        db.knex.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
          const s = started.get(q.__knexQueryUid);
          if (!s) return;
          started.delete(q.__knexQueryUid);
          const entry = queryCounts.get(s.key) ?? { n: 0, ms: 0 };
          entry.n++;
          entry.ms += Number(process.hrtime.bigint() - s.at) / 1e6;
          queryCounts.set(s.key, entry);
        });
      }
      const peakRss = trackPeakRss();
      const cpu = trackCpu(db.engine);
      const stopProfile = await profileTimedPart(`jobs-${orders}-${db.engine}`);
      const started = process.hrtime.bigint();
      worker.start();
      // Finished when no job is left to run; asking for one row keeps the poll itself cheap.
      while (await db.knex('dt_jobs').whereIn('status', ['queued', 'running']).first('id')) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const { cpuS, serverCpuS } = cpu();
      await stopProfile();
      await worker.stop();
      const rss = peakRss();
      for (const [sql, { n, ms }] of [...queryCounts].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) log(`${String(n).padStart(7)} ${ms.toFixed(0).padStart(6)} ms ${sql}`);
      const pending = Number((await db.knex('dt_domains').where({ status: 'pending' }).whereNull('failure_code').count({ n: '*' }).first())!.n);
      const dead = Number((await db.knex('dt_jobs').where({ status: 'dead' }).count({ n: '*' }).first())!.n);
      log(`${pending} domains pending at the registry, ${dead} dead jobs`);
      await host.close();
      return [{ name: 'jobs', wall, floor: (orders * LATENCY_MS) / 1000 / CONCURRENCY, rssMB: rss, extra: { orders, pending, engine: db.engine, dbMB: await databaseSizeMB(db), ...cpuFigures(wall, cpuS, serverCpuS) } }];
    } finally {
      await db.destroy();
    }
  },
};

export default benchmark;
