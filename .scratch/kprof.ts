import { createMigratedDatabase } from '../test/support/fresh-database.ts';
const db = await createMigratedDatabase();
await db.knex('dt_api_keys').insert({ prefix: 'dtk_abc', token_hash: 'x'.repeat(64), name: 'n', scopes: '[]', created_by: 'a', created_at: 1 });
const n = 100000; const t = process.hrtime.bigint();
await Promise.all(Array.from({ length: 10 }, async () => { for (let i = 0; i < n / 10; i++) await db.knex('dt_api_keys').where({ prefix: 'dtk_abc' }).first('id', 'scopes'); }));
console.log((Number(process.hrtime.bigint() - t) / n / 1000).toFixed(1), 'µs/query');
await db.destroy();
