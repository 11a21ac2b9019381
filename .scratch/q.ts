import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { insertRows } from '../module/database.ts';
const db = await createMigratedDatabase();
const now = Date.now();
await insertRows(db.knex, 'dt_domains', Array.from({ length: 100_000 }, (_, i) => ({ domain: `api-${String(i).padStart(6, '0')}.com`, client_id: '1', registrar_id: 'sandbox', status: i % 10 ? 'active' : 'pending', expiry_date: now + i * 1000, status_changed_at: now - i * 1000, created_at: now, updated_at: now })), { chunk: 500 });
const conn: any = await (db.knex.client as any).acquireConnection();
async function time(name: string, sql: string, params: unknown[]) {
  const st = conn.prepare(sql);
  for (let i = 0; i < 500; i++) st.all(...params);
  const t = process.hrtime.bigint(); const n = 5000;
  for (let i = 0; i < n; i++) st.all(...params);
  console.log(name, (Number(process.hrtime.bigint() - t) / n / 1000).toFixed(2), 'µs');
  console.log('   ', conn.prepare('explain query plan ' + sql).all(...params).map((r: any) => r.detail).join(' | '));
}
await time('domain', 'select * from dt_domains where domain = ? limit 1', ['api-050000.com']);
await time('order', 'select id from dt_transfer_orders where domain = ? order by id desc limit 1', ['api-050000.com']);
await time('history', 'select * from dt_domain_status_history where domain_id = ? order by id desc limit 50', [50001]);
await time('log', 'select * from dt_provisioning_log where domain = ? order by id desc limit 50', ['api-050000.com']);
await time('key', 'select * from dt_api_keys where prefix = ? limit 1', ['dtk_abc']);
await time('list', 'select * from dt_domains order by domain asc limit 51', []);
await time('list-narrow', 'select id, domain, status, client_id, registrar_id, expiry_date, failure_code, failure_reason, transfer_out_gaining, transfer_out_requested_at, status_changed_at, last_checked_at from dt_domains order by domain asc limit 51', []);
await time('list-ids', 'select id from dt_domains order by domain asc limit 51', []);
await time('list-domain-only', 'select domain from dt_domains order by domain asc limit 51', []);
await time('ratewin', 'select requests from dt_api_rate_windows where key_id = ? and window_start = ? limit 1', [1, 0]);
(db.knex.client as any).releaseConnection(conn);
await db.destroy();
