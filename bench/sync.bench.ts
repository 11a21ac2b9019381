import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { createKnex } from '../module/database.ts';
import type { SandboxAdapter } from '../registrar-adapters/sandbox/index.ts';
import type { SyncSummary } from '../module/sync/sync-summary.ts';
import { collectSeedGarbage, cpuFigures, databaseSizeMB, profileTimedPart, trackCpu, trackPeakRss, type Benchmark } from './harness.ts';
import { createBenchHost, setSandboxLatency } from './bench-host.ts';

const PENDING = 50_000;
const ACTIVE = 50_000;
const LATENCY_MS = 20;
const CONCURRENCY = 50;
/**
 * A few of each change, so the timed run also exercises transitions, billing and notifications
 * (BENCH_CHANGES=N sets how many of each; 0 times the checks alone).
 */
const CHANGES_EACH = process.env.BENCH_CHANGES === undefined ? 50 : Number(process.env.BENCH_CHANGES);
const DAY_MS = 86_400_000;

/**
 * sync-domain-statuses over 100,000 domains: 50,000 pending transfers (getTransferStatus) and
 * 50,000 active domains we sponsor (getDomainInfo), sandbox at 20 ms per call, 50 calls at
 * once. The floor N·L/C is the registrar's latency spread perfectly over the slots: 40 s.
 * Seeding is not timed.
 */
const benchmark: Benchmark = {
  name: 'sync',
  description: `sync-domain-statuses over ${PENDING} pending + ${ACTIVE} active domains (sandbox ${LATENCY_MS} ms, concurrency ${CONCURRENCY})`,
  async run({ args, log }) {
    // `npm run bench -- sync [DOMAINS] [--concurrency N]`
    const flag = args.indexOf('--concurrency');
    const concurrency = flag === -1 ? CONCURRENCY : Number(args[flag + 1]);
    const positional = args.filter((a, i) => i !== flag && i !== flag + 1);
    const scale = Number(positional.find((a) => /^\d+$/.test(a)) ?? PENDING + ACTIVE) / (PENDING + ACTIVE);
    const pendingCount = Math.round(PENDING * scale);
    const activeCount = Math.round(ACTIVE * scale);
    const db = await createMigratedDatabase();
    try {
      // BENCH_POOL=N tries another MySQL pool size than the default 20.
      const knex = db.engine === 'mysql' && process.env.BENCH_POOL ? createKnex(db.target, { poolMax: Number(process.env.BENCH_POOL) }) : db.knex;
      const { host, clientId, sandbox } = await createBenchHost(knex, {
        jobs: { runInHost: false },
        sync: { enabled: false, concurrencyPerRegistrar: concurrency, ratePerSecondPerRegistrar: 10_000, batchSize: 500 },
      });
      log(`seeding ${pendingCount} pending and ${activeCount} active domains on ${db.engine}`);
      await seed(knex, sandbox, clientId, pendingCount, activeCount);

      // Latency on from here: only the sync run is timed.
      setSandboxLatency(sandbox, LATENCY_MS);
      await collectSeedGarbage();
      const mem = () => { const m = process.memoryUsage(); return `rss=${Math.round(m.rss / 1048576)}MB heap=${Math.round(m.heapUsed / 1048576)}/${Math.round(m.heapTotal / 1048576)}MB`; };
      log(`before the run: ${mem()}`);
      const memTimer = process.env.BENCH_MEMORY ? setInterval(() => log(mem()), Number(process.env.BENCH_MEMORY) || 5000) : undefined;
      const peakRss = trackPeakRss();
      const callTimes = { pending: [0, 0], active: [0, 0] };
      if (process.env.BENCH_CALL_TIMES) {
        for (const [method, kind] of [['getTransferStatus', 'pending'], ['getDomainInfo', 'active']] as const) {
          const original = (sandbox as any)[method].bind(sandbox);
          (sandbox as any)[method] = async (...a: unknown[]) => {
            const t = performance.now();
            try { return await original(...a); } finally { callTimes[kind][0] += performance.now() - t; callTimes[kind][1]++; }
          };
        }
      }
      const queryCounts = new Map<string, number>();
      if (process.env.BENCH_TRACE_QUERIES) {
        knex.on('query', (q: { sql: string }) => {
          const key = q.sql.replace(/\(\?(, \?)*\)/g, '(…)').slice(0, 140);
          queryCounts.set(key, (queryCounts.get(key) ?? 0) + 1);
        });
      }
      const stopProfile = await profileTimedPart(`sync-${pendingCount + activeCount}-${db.engine}`);
      const cpu = trackCpu(db.engine);
      const started = process.hrtime.bigint();
      const run = await host.module.services.sync.runNow({ trigger: 'cli' });
      const outcome = await run.done;
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const { cpuS, serverCpuS } = cpu();
      await stopProfile();
      const rss = peakRss();
      clearInterval(memTimer);
      log(`after the run: ${mem()}`);
      for (const [sql, n] of [...queryCounts].sort((a, b) => b[1] - a[1]).slice(0, 15)) log(`${String(n).padStart(7)} ${sql}`);
      if (process.env.BENCH_CALL_TIMES) log(`mean call: pending ${(callTimes.pending[0] / callTimes.pending[1]).toFixed(2)} ms, active ${(callTimes.active[0] / callTimes.active[1]).toFixed(2)} ms`);
      const s = outcome.summary as SyncSummary;
      log(`run ${outcome.status}: checked ${s.checked}/${s.total}, changed ${JSON.stringify(s.changed)}, errors ${s.errors}, skipped ${s.skipped}`);
      if (outcome.status !== 'succeeded' || s.checked !== pendingCount + activeCount || s.errors) throw new Error(`the sync run did not check every domain cleanly: ${JSON.stringify(s.errorsByCode)}`);
      await host.close();
      if (knex !== db.knex) await knex.destroy();
      const domains = pendingCount + activeCount;
      return [{ name: 'sync', wall, floor: (domains * LATENCY_MS) / 1000 / concurrency, rssMB: rss, extra: { domains, concurrency, engine: db.engine, dbMB: await databaseSizeMB(db), ...cpuFigures(wall, cpuS, serverCpuS) } }];
    } finally {
      await db.destroy();
    }
  },
};

/**
 * Registry and module rows in bulk, a chunk at a time so seeding leaves no large heap behind:
 * the transfers are the rows requestTransfer would write, without one transaction each.
 */
async function seed(knex: import('knex').Knex, sandbox: SandboxAdapter, clientId: string, pending: number, active: number): Promise<void> {
  const us = sandbox.registry.registrarId;
  const now = Date.now();
  const expiry = now + 200 * DAY_MS;
  const pendingName = (i: number) => `sync-p${String(i).padStart(6, '0')}.com`;
  const activeName = (i: number) => `sync-a${String(i).padStart(6, '0')}.com`;
  const base = { client_id: clientId, registrar_id: 'sandbox', status_changed_at: now, created_at: now, updated_at: now };
  const CHUNK = 2000;
  for (let from = 0; from < pending; from += CHUNK) {
    const names = Array.from({ length: Math.min(CHUNK, pending - from) }, (_, i) => pendingName(from + i));
    await sandbox.registry.addDomains(names.map((name) => ({ name })));
    const rows: Array<{ id: number; name: string; sponsor: string }> = await knex('dt_sandbox_domains').whereIn('name', names).select('id', 'name', 'sponsor');
    await knex.batchInsert('dt_sandbox_transfers', rows.map((r) => ({ domain_id: r.id, domain: r.name, gaining_registrar: us, losing_registrar: r.sponsor, status: 'pending', period_years: 1, requested_at: now, action_date: now + 5 * DAY_MS })), 500);
    const transfers: Array<{ id: number; domain: string; domain_id: number }> = await knex('dt_sandbox_transfers').whereIn('domain', names).select('id', 'domain', 'domain_id');
    await knex.transaction(async (trx) => {
      for (const t of transfers) await trx('dt_sandbox_domains').where({ id: t.domain_id }).update({ pending_transfer_id: t.id });
    });
    await knex.batchInsert('dt_domains', transfers.map((t) => ({ ...base, domain: t.domain, status: 'pending', registrar_ref: `sandbox-transfer-${t.id}` })), 500);
  }
  for (let from = 0; from < active; from += CHUNK) {
    const names = Array.from({ length: Math.min(CHUNK, active - from) }, (_, i) => activeName(from + i));
    await sandbox.registry.addDomains(names.map((name) => ({ name, sponsor: us, expiresAt: new Date(expiry) })));
    await knex.batchInsert('dt_domains', names.map((domain) => ({ ...base, domain, status: 'active', expiry_date: expiry })), 500);
  }

  const n = Math.min(CHANGES_EACH, Math.floor(pending / 10), Math.floor(active / 10));
  // Spread over the portfolio, as a registry's news is: n changes in the first few hundred rows
  // would all commit at the run's start (BENCH_CHANGES_AT_START=1 places them there).
  const step = process.env.BENCH_CHANGES_AT_START ? 7 : Math.max(7, Math.floor(Math.min(pending, active) / n));
  for (let i = 0; i < n; i++) {
    await sandbox.registry.approvePendingTransfer(pendingName(i * step));
    await sandbox.registry.rejectPendingTransfer(pendingName(i * step + 3), 'Rejected by the losing registrar.');
    await sandbox.registry.simulateTransferAway(activeName(i * step));
  }
  await knex('dt_domains').whereIn('domain', Array.from({ length: n }, (_, i) => activeName(i * step + 3))).update({ expiry_date: expiry - 365 * DAY_MS });
}

export default benchmark;
