import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { insertRows } from '../module/database.ts';
import { applyDomainFilter, DOMAIN_SORTS, listDomains, type DomainListFilter, type DomainSort } from '../module/domains/domain-list.query.ts';
import { listJobs, type JobListQuery } from '../module/jobs/job-list.query.ts';
import type { SortDirection } from '../module/domains/keyset.ts';
import { trackPeakRss, type Benchmark } from './harness.ts';
import type { Knex } from 'knex';

const ROWS = 1_000_000;
const PAGE = 50;
const DEEP_PAGES = 500;
const REPEATS = 20;
const TARGET_P95_MS = 50;

/** A deterministic spread of values, weighted like a real portfolio. */
const pick = <T>(i: number, table: Array<[T, number]>, salt: number): T => {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  // A different odd multiplier per column, so the columns do not move together.
  let r = (Math.imul(Math.imul(i + 1, 2654435761) ^ salt, 0x85ebca6b + 2 * salt) >>> 0) % total;
  for (const [value, weight] of table) if ((r -= weight) < 0) return value;
  return table[0]![0];
};
const TLDS: Array<[string, number]> = [['com', 50], ['net', 12], ['org', 10], ['cn', 8], ['co.uk', 5], ['de', 5], ['io', 4], ['xn--fiqs8s', 5], ['hk', 1]];
const STATUSES: Array<[string, number]> = [['active', 85], ['pending', 3], ['cancelled', 8], ['transferred_away', 4]];
const REGISTRARS: Array<[string, number]> = [['sandbox', 60], ['epp', 30], ['manual', 10]];
const JOB_TYPES: Array<[string, number]> = [['TransferDomainJob', 60], ['SendNotificationsJob', 25], ['DeliverEventsJob', 14], ['CreditOrderItemJob', 1]];
const JOB_STATES: Array<[string, number]> = [['done', 97], ['dead', 1], ['queued', 1], ['running', 1]];
const BIG_CLIENT = '1';
const name = (i: number) => (Math.imul(i + 1, 2246822519) >>> 0).toString(36).padStart(7, '0') + i.toString(36);

async function seed(knex: Knex, rows: number, log: (line: string) => void): Promise<void> {
  const now = Date.parse('2026-12-01T00:00:00Z');
  const started = Date.now();
  for (let from = 0; from < rows; from += 10_000) {
    const domains: Array<Record<string, unknown>> = [];
    const jobs: Array<Record<string, unknown>> = [];
    for (let i = from; i < Math.min(rows, from + 10_000); i++) {
      const status = pick(i, STATUSES, 7);
      domains.push({
        domain: `${name(i)}.${pick(i, TLDS, 3)}`,
        // One reseller with 5% of the portfolio; the rest spread over 20,000 clients.
        client_id: i % 20 === 0 ? BIG_CLIENT : String(2 + (i % 20_000)),
        registrar_id: pick(i, REGISTRARS, 11),
        status,
        expiry_date: status === 'pending' ? null : now + (i % 1000) * 86_400_000,
        failure_code: i % 67 === 0 && status !== 'active' ? 'auth_code_invalid' : null,
        status_changed_at: now - (i % 1100) * 86_400_000 - (i % 86_400) * 1000,
        created_at: now,
        updated_at: now,
      });
      const state = pick(i, JOB_STATES, 5);
      jobs.push({ key: `bench:${i}`, type: pick(i, JOB_TYPES, 13), payload: '{}', status: state, attempts: 1, max_attempts: 8, run_at: now, created_at: now, updated_at: now });
    }
    await knex.transaction(async (trx) => {
      await insertRows(trx, 'dt_domains', domains, { chunk: 500 });
      await insertRows(trx, 'dt_jobs', jobs, { chunk: 500 });
    });
    if ((from / 10_000) % 20 === 19) log(`seeded ${from + 10_000} domains and jobs (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  await knex.raw('analyze table dt_domains, dt_jobs').catch(() => knex.raw('analyze'));
}

/**
 * p50/p95 of REPEATS runs after one untimed run: the first read of a query's index pages
 * after the others' is a cache miss that a page in use does not pay (with MariaDB's default
 * 128 MB buffer pool a million domains do not all stay in memory); its time is reported apart.
 */
async function time(run: () => Promise<unknown>): Promise<{ p50: number; p95: number; cold: number }> {
  const coldStarted = process.hrtime.bigint();
  await run();
  const cold = Number(process.hrtime.bigint() - coldStarted) / 1e6;
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)]!, p95: samples[Math.ceil(samples.length * 0.95) - 1]!, cold };
}

/**
 * The admin lists at a million rows: 1,000,000 domains and 1,000,000 jobs; every filter with
 * every sort both ways, first page and a page 500 pages deep (its cursor found beforehand);
 * p50/p95 per query, and the worst p95 against a primary-key lookup of one row.
 */
const benchmark: Benchmark = {
  name: 'admin-lists',
  description: `admin Domains and Jobs lists at ${ROWS.toLocaleString('en')} rows each: p50/p95 per filter and sort, first page and ${DEEP_PAGES} pages deep`,
  async run({ args, log }) {
    const rows = Number(args[0] ?? ROWS);
    const db = await createMigratedDatabase();
    const peakRss = trackPeakRss();
    try {
      log(`seeding ${rows} domains and ${rows} jobs on ${db.engine}`);
      await seed(db.knex, rows, log);
      const pk = await time(() => db.knex('dt_domains').where('id', 1 + Math.floor(Math.random() * rows)).first());
      const filters: Array<[string, DomainListFilter]> = [
        ['all', {}],
        ['status=pending', { status: 'pending' }],
        ['registrar=epp', { registrar: 'epp' }],
        ['tld=com', { tld: 'com' }],
        ['tld=hk', { tld: 'hk' }],
        ['client=reseller', { client: BIG_CLIENT }],
        ['client=small', { client: '777' }],
        ['failure=auth_code_invalid', { failure: 'auth_code_invalid' }],
        ['q=k3', { prefix: 'k3' }],
        ['status+registrar', { status: 'cancelled', registrar: 'manual' }],
      ];
      const results: Array<{ query: string; p50: number; p95: number; cold: number }> = [];
      for (const [label, filter] of filters) {
        for (const sort of Object.keys(DOMAIN_SORTS) as DomainSort[]) {
          for (const dir of ['asc', 'desc'] as SortDirection[]) {
            const base = { ...filter, sort, dir, limit: PAGE };
            const first = await time(() => listDomains(db.knex, base));
            results.push({ query: `domains ${label} sort=${sort} ${dir} first`, ...first });
            const after = await deepDomainCursor(db.knex, base);
            const deep = await time(() => listDomains(db.knex, { ...base, after }));
            results.push({ query: `domains ${label} sort=${sort} ${dir} deep`, ...deep });
          }
        }
      }
      const jobFilters: Array<[string, Partial<JobListQuery>]> = [
        ['all', {}],
        ['status=dead', { status: 'dead' }],
        ['status=done', { status: 'done' }],
        ['type=CreditOrderItemJob', { type: 'CreditOrderItemJob' }],
        ['type+status', { type: 'TransferDomainJob', status: 'queued' }],
      ];
      for (const [label, filter] of jobFilters) {
        for (const dir of ['asc', 'desc'] as SortDirection[]) {
          const base: JobListQuery = { ...filter, dir, limit: PAGE };
          results.push({ query: `jobs ${label} ${dir} first`, ...(await time(() => listJobs(db.knex, base))) });
          const skip = db.knex('dt_jobs').where(filter.status ? { status: filter.status } : {}).where(filter.type ? { type: filter.type } : {});
          const total = Number((await skip.clone().count({ n: '*' }).first())!.n);
          const at = await skip.clone().orderBy('id', dir).offset(Math.max(0, Math.min(DEEP_PAGES * PAGE, total - PAGE) - 1)).first('id');
          const after = at ? { sort: 'created', dir, value: null, id: Number(at.id) } : undefined;
          results.push({ query: `jobs ${label} ${dir} deep`, ...(await time(() => listJobs(db.knex, { ...base, after }))) });
        }
      }
      for (const r of results) log(`${r.query.padEnd(58)} p50=${r.p50.toFixed(2)}ms p95=${r.p95.toFixed(2)}ms cold=${r.cold.toFixed(1)}ms`);
      const worst = results.reduce((a, b) => (b.p95 > a.p95 ? b : a));
      const coldest = results.reduce((a, b) => (b.cold > a.cold ? b : a));
      // The counts by status the Domains and Jobs pages (and the dashboard) show above the list.
      for (const table of ['dt_domains', 'dt_jobs']) {
        const counts = await time(() => db.knex(table).select('status').count({ n: '*' }).groupBy('status'));
        log(`${`counts ${table} by status`.padEnd(58)} p50=${counts.p50.toFixed(2)}ms p95=${counts.p95.toFixed(2)}ms`);
      }
      log(`primary-key lookup p50=${pk.p50.toFixed(3)}ms; worst: ${worst.query} p95=${worst.p95.toFixed(2)}ms (target ≤ ${TARGET_P95_MS} ms); slowest first run: ${coldest.query} ${coldest.cold.toFixed(1)}ms`);
      return [
        {
          name: 'admin-lists',
          rssMB: peakRss(),
          extra: { queries: results.length, worst_p95_ms: worst.p95.toFixed(2), worst_cold_ms: coldest.cold.toFixed(1), pk_ms: pk.p50.toFixed(3), ratio_to_pk: (worst.p95 / pk.p50).toFixed(0), target_ms: TARGET_P95_MS, engine: db.engine },
        },
      ];
    } finally {
      await db.destroy();
    }
  },
};

/** The cursor that opens the page 500 pages in (or the last page of a shorter list), found with OFFSET once. */
async function deepDomainCursor(knex: Knex, q: DomainListFilter & { sort: DomainSort; dir: SortDirection; limit: number }) {
  const column = DOMAIN_SORTS[q.sort];
  const total = Number((await applyDomainFilter(knex('dt_domains'), q).count({ n: '*' }).first())!.n);
  const offset = Math.max(0, Math.min(DEEP_PAGES * q.limit, total - q.limit) - 1);
  const row = await applyDomainFilter(knex('dt_domains'), q)
    .orderByRaw(q.sort === 'expiry' ? `case when expiry_date is null then ${q.dir === 'asc' ? 0 : 1} else ${q.dir === 'asc' ? 1 : 0} end` : '1')
    .orderBy(column, q.dir)
    .orderBy('id', q.dir)
    .offset(offset)
    .first(column, 'id');
  return row ? { sort: q.sort, dir: q.dir, value: row[column] ?? null, id: Number(row.id) } : undefined;
}

export default benchmark;
