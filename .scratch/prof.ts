import { Session } from 'node:inspector/promises';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import express from 'express';
import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { insertRows } from '../module/database.ts';
import { createBenchHost } from '../bench/bench-host.ts';

const db = await createMigratedDatabase();
const { host, clientId } = await createBenchHost(db.knex, { jobs: { runInHost: false }, api: { requestsPerMinute: 100_000 } });
const now = Date.now();
await insertRows(db.knex, 'dt_domains', Array.from({ length: 100_000 }, (_, i) => ({ domain: `api-${String(i).padStart(6, '0')}.com`, client_id: clientId, registrar_id: 'sandbox', status: i % 10 ? 'active' : 'pending', expiry_date: now + i * 1000, status_changed_at: now - i * 1000, created_at: now, updated_at: now })), { chunk: 500 });
const { token } = await host.module.services.apiKeys.create({ name: 'bench', scopes: ['domains:read'], actor: 'bench' });
const server = host.app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const bare = express(); bare.get('/ping', (_q, r) => r.json({ ok: true, at: new Date().toISOString() }));
const s2 = bare.listen(0, '127.0.0.1'); await new Promise((r) => s2.once('listening', r));
const burl = `http://127.0.0.1:${(s2.address() as AddressInfo).port}`;
const run = async (u: string, secs = 5) => (await autocannon({ url: u, connections: 50, duration: secs, headers: { authorization: `Bearer ${token}` } })).requests.average;
console.log('bare', await run(`${burl}/ping`));
const path = process.argv[2] ?? '/api/v1/domains/api-050000.com';
console.log('warm', await run(`${url}${path}`, 2));
const counts = new Map<string, number>();
db.knex.on('query', (q: any) => counts.set(q.sql, (counts.get(q.sql) ?? 0) + 1));
const session = new Session(); session.connect();
if (process.env.PROF) { await session.post('Profiler.enable'); await session.post('Profiler.start'); }
console.log(path, await run(`${url}${path}`));
if (process.env.PROF) { const { profile } = await session.post('Profiler.stop'); fs.writeFileSync('/tmp/prof/run.cpuprofile', JSON.stringify(profile)); }
console.log([...counts].sort((a,b)=>b[1]-a[1]).slice(0,12));
for (const p of []) console.log(p, await run(`${url}${p}`, 3));
server.close(); s2.close(); await host.close(); await db.destroy();
