import { Readable } from 'node:stream';
import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { createBenchHost, setSandboxLatency } from './bench-host.ts';
import { trackPeakRss, type Benchmark, type BenchFigure } from './harness.ts';

const ROWS = 10_000;
const LATENCY_MS = 20;
const CONCURRENCY = 50;
const PARSE_ROWS = 100_000;
const PARSE_TARGET_S = 3;

/**
 * Bulk transfer by CSV. First, 10,000 rows read and pre-checked against the sandbox at 20 ms
 * per registry look-up, 50 at a time: the floor is N·L/C = 4 s. Then 100,000 rows read,
 * normalised, sealed and stored without registry calls (target ≤ 3 s).
 */
const benchmark: Benchmark = {
  name: 'bulk',
  description: `bulk CSV: ${ROWS} rows pre-checked (sandbox ${LATENCY_MS} ms, concurrency ${CONCURRENCY}); ${PARSE_ROWS} rows read and stored`,
  async run({ args, log }) {
    const rows = Number(args[0] ?? ROWS);
    const db = await createMigratedDatabase();
    try {
      const { host, clientId, sandbox } = await createBenchHost(db.knex, {
        jobs: { runInHost: false, pollIntervalMs: 50 },
        rdap: { enabled: false },
        bulk: { checkConcurrency: CONCURRENCY, maxRows: PARSE_ROWS },
      });
      const names = Array.from({ length: rows }, (_, i) => `bulk-${String(i).padStart(6, '0')}.com`);
      await sandbox.registry.addDomains(names.map((name) => ({ name })));
      const file = Buffer.from(`domain,auth_code\r\n${names.map((n, i) => `${n},"code-${i},x"`).join('\r\n')}\r\n`);
      setSandboxLatency(sandbox, LATENCY_MS);
      const service = host.module.services.bulkImports;

      log(`pre-checking ${rows} rows on ${db.engine}`);
      const peakRss = trackPeakRss();
      const started = process.hrtime.bigint();
      const created = await service.createFromCsv(Readable.from([file]), { actor: 'bench', defaultClientId: clientId });
      await host.module.services.createWorker({ concurrency: 4 }).runUntilIdle();
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const done = await service.byPublicId(created.public_id);
      if (done.status !== 'ready' || done.accepted_rows !== rows) throw new Error(`expected ${rows} accepted rows, got ${done.accepted_rows} (${done.status})`);
      const figures: BenchFigure[] = [{ name: 'bulk-precheck', wall, floor: (rows * LATENCY_MS) / 1000 / CONCURRENCY, rssMB: peakRss(), extra: { rows, engine: db.engine } }];

      const big = Buffer.from(Array.from({ length: PARSE_ROWS }, (_, i) => `parse-${i}.net,code-${i}`).join('\n'));
      const parseRss = trackPeakRss();
      const parseStarted = process.hrtime.bigint();
      const parsed = await service.createFromCsv(Readable.from([big]), { actor: 'bench', defaultClientId: clientId });
      const parseWall = Number(process.hrtime.bigint() - parseStarted) / 1e9;
      if (parsed.total_rows !== PARSE_ROWS) throw new Error(`read ${parsed.total_rows} of ${PARSE_ROWS} rows`);
      figures.push({ name: 'bulk-read', wall: parseWall, rssMB: parseRss(), extra: { rows: PARSE_ROWS, target_s: PARSE_TARGET_S, engine: db.engine } });
      await host.close();
      return figures;
    } finally {
      await db.destroy();
    }
  },
};

export default benchmark;
