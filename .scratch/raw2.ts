import { createMigratedDatabase } from '../test/support/fresh-database.ts';
const db = await createMigratedDatabase();
await db.knex('dt_api_keys').insert({ prefix: 'dtk_abc', token_hash: 'x'.repeat(64), name: 'n', scopes: '[]', created_by: 'a', created_at: 1 });
const q = db.knex('dt_api_keys').where({ prefix: 'dtk_abc' }).first('id', 'scopes').toSQL();
console.log(q.sql, q.bindings);
const conn: any = await (db.knex.client as any).acquireConnection();
const st = conn.prepare(q.sql);
for (const mode of ['array', 'spread', 'get']) {
  const n = 100000; const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) mode === 'array' ? st.all(q.bindings) : mode === 'spread' ? st.all(...q.bindings) : st.get(...q.bindings);
  console.log(mode, (Number(process.hrtime.bigint() - t) / n / 1000).toFixed(2), 'µs');
}
console.log(conn.prepare('explain query plan ' + q.sql).all(q.bindings));
(db.knex.client as any).releaseConnection(conn);
await db.destroy();
