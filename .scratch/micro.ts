import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { insertRows } from '../module/database.ts';
import { createBenchHost } from '../bench/bench-host.ts';
import { listDomains, parseDomainListQuery } from '../module/domains/domain-list.query.ts';
import { domainDetail, domainSummary } from '../module/api/api-representations.ts';

const db = await createMigratedDatabase();
const { host, clientId } = await createBenchHost(db.knex, { jobs: { runInHost: false } });
const now = Date.now();
await insertRows(db.knex, 'dt_domains', Array.from({ length: 100_000 }, (_, i) => ({ domain: `api-${String(i).padStart(6, '0')}.com`, client_id: clientId, registrar_id: 'sandbox', status: i % 10 ? 'active' : 'pending', expiry_date: now + i * 1000, status_changed_at: now - i * 1000, created_at: now, updated_at: now })), { chunk: 500 });
const { token } = await host.module.services.apiKeys.create({ name: 'bench', scopes: ['domains:read'], actor: 'bench' });
const s = host.module.services;
async function time(name: string, n: number, f: () => Promise<unknown>) {
  for (let i = 0; i < 200; i++) await f();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await f();
  console.log(name, (Number(process.hrtime.bigint() - t) / n / 1000).toFixed(1), 'µs');
}
const admin = { kind: 'admin' } as any;
await time('auth', 5000, () => s.apiKeys.authenticate(`Bearer ${token}`));
await time('viewFor', 5000, () => s.domains.viewFor(admin, 'api-050000.com'));
const v = await s.domains.viewFor(admin, 'api-050000.com');
await time('detail+json', 5000, async () => JSON.stringify(domainDetail(v)));
await time('knex first', 5000, () => db.knex('dt_domains').where({ domain: 'api-050000.com' }).first());
await time('knex raw', 5000, () => db.knex.raw('select * from dt_domains where domain = ?', ['api-050000.com']));
const q = parseDomainListQuery({ limit: '50', sort: 'name' });
await time('listDomains', 2000, () => listDomains(db.knex, q));
const page = await listDomains(db.knex, q);
await time('clientNames', 2000, () => s.clientNames(page.rows.map((r) => r.client_id)));
await time('summaries+json', 2000, async () => JSON.stringify({ data: page.rows.map((r) => domainSummary(r, 'x')) }));
await host.close(); await db.destroy();
