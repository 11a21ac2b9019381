import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import express from 'express';
import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { createBenchHost } from '../bench/bench-host.ts';
import { securityHeaders } from '../host/http/security-headers.ts';
import { ApiRateLimiter } from '../module/api/api-rate-limit.ts';

const db = await createMigratedDatabase();
const { host } = await createBenchHost(db.knex, { jobs: { runInHost: false } });
const { token } = await host.module.services.apiKeys.create({ name: 'bench', scopes: ['domains:read'], actor: 'bench' });
const keys = host.module.services.apiKeys;
const limiter = new ApiRateLimiter(db.knex, { now: () => new Date() });
async function measure(name: string, build: (app: express.Express) => void) {
  const app = express();
  build(app);
  const server = app.listen(0, '127.0.0.1'); await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/domains/api-050000.com`;
  await autocannon({ url, connections: 50, duration: 1, headers: { authorization: `Bearer ${token}` } });
  const r = await autocannon({ url, connections: 50, duration: 4, headers: { authorization: `Bearer ${token}` } });
  console.log(name.padEnd(40), r.requests.average.toFixed(0), 'req/s', (1e6 / r.requests.average).toFixed(0), 'µs');
  server.close();
}
const ok = (_q: any, r: any) => r.json({ ok: true, at: new Date().toISOString() });
await measure('bare', (app) => app.get('/api/v1/domains/:domain', ok));
await measure('+security headers', (app) => { app.use(securityHeaders()); app.get('/api/v1/domains/:domain', ok); });
await measure('+sub-app', (app) => { app.use(securityHeaders()); const sub = express(); sub.get('/domains/:domain', ok); app.use('/api/v1', sub); });
await measure('+json parser', (app) => { app.use(securityHeaders()); const sub = express(); sub.use(express.json()); sub.get('/domains/:domain', ok); app.use('/api/v1', sub); });
await measure('+auth', (app) => { app.use(securityHeaders()); const sub = express(); sub.use(express.json()); sub.use((req, res, next) => { keys.authenticate(req.get('Authorization')).then(() => next(), next); }); sub.get('/domains/:domain', ok); app.use('/api/v1', sub); });
await measure('+limiter', (app) => { app.use(securityHeaders()); const sub = express(); sub.use(express.json()); sub.use((req, res, next) => { keys.authenticate(req.get('Authorization')).then((c) => limiter.take(c.keyId, 100000)).then(() => next(), next); }); sub.get('/domains/:domain', ok); app.use('/api/v1', sub); });
await measure('host app (real handler, 404 domain)', () => {});
const server = host.app.listen(0, '127.0.0.1'); await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/domains/api-050000.com`;
const r = await autocannon({ url, connections: 50, duration: 4, headers: { authorization: `Bearer ${token}` } });
console.log('host app 404'.padEnd(40), r.requests.average.toFixed(0), 'req/s', (1e6 / r.requests.average).toFixed(0), 'µs', r.non2xx);
server.close(); await limiter.close(); await host.close(); await db.destroy();
