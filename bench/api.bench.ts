import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import autocannon from 'autocannon';
import { createMigratedDatabase } from '../test/support/fresh-database.ts';
import { insertRows } from '../module/database.ts';
import { createBenchHost } from './bench-host.ts';
import { trackPeakRss, type Benchmark, type BenchFigure } from './harness.ts';

const DOMAINS = 100_000;
const CONNECTIONS = 50;
const SECONDS = 10;
const TARGET_RATIO = 0.35;

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

async function load(url: string, token?: string, varied?: () => string): Promise<{ rps: number; p99: number; errors: number; non2xx: number }> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(varied ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: varied() }) }] } : {}),
  });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

/**
 * The JSON API under load: GET one domain and GET a page of the list, 50 connections for 10 s
 * each against 100,000 domains, beside a bare Express JSON endpoint measured in the same run.
 * The ratio is the API's requests per second over the bare endpoint's (target ≥ 0.35 on SQLite,
 * for the repeated get and list). A third run asks a different domain each time: the cost of an
 * answer made afresh, which is every answer on MariaDB.
 */
const benchmark: Benchmark = {
  name: 'api',
  description: `JSON API: GET a domain and list domains at ${DOMAINS.toLocaleString('en')} domains, ${CONNECTIONS} connections × ${SECONDS} s, against a bare Express endpoint`,
  async run({ log }) {
    const db = await createMigratedDatabase();
    const peakRss = trackPeakRss();
    try {
      const { host, clientId } = await createBenchHost(db.knex, { jobs: { runInHost: false }, api: { requestsPerMinute: 100_000 } });
      const now = Date.now();
      await insertRows(
        db.knex,
        'dt_domains',
        Array.from({ length: DOMAINS }, (_, i) => ({ domain: `api-${String(i).padStart(6, '0')}.com`, client_id: clientId, registrar_id: 'sandbox', status: i % 10 ? 'active' : 'pending', expiry_date: now + i * 1000, status_changed_at: now - i * 1000, created_at: now, updated_at: now })),
        { chunk: 500 },
      );
      // A key per measurement: each gets its own per-minute allowance.
      const keyFor = async (name: string) => (await host.module.services.apiKeys.create({ name, scopes: ['domains:read'], actor: 'bench' })).token;
      const bare = express();
      bare.get('/ping', (_req, res) => res.json({ ok: true, at: new Date().toISOString() }));
      const api = await listen(host.app);
      const plain = await listen(bare);
      try {
        log(`seeded ${DOMAINS} domains on ${db.engine}; ${CONNECTIONS} connections, ${SECONDS} s each`);
        const baseline = await load(`${plain.url}/ping`);
        log(`bare Express JSON: ${baseline.rps.toFixed(0)} req/s, p99 ${baseline.p99} ms`);
        const figures: BenchFigure[] = [];
        // The same read again and again (a poller; on SQLite answered from what is kept between
        // database changes), then a different domain on every request (always made afresh).
        const randomDomain = () => `/api/v1/domains/api-${String(Math.floor(Math.random() * DOMAINS)).padStart(6, '0')}.com`;
        for (const [name, path, varied] of [
          ['api-get-domain', '/api/v1/domains/api-050000.com', undefined],
          ['api-list-domains', '/api/v1/domains?limit=50&sort=name', undefined],
          ['api-get-domain-varied', '/api/v1/domains/api-000000.com', randomDomain],
        ] as const) {
          const measured = await load(`${api.url}${path}`, await keyFor(name), varied);
          if (measured.errors || measured.non2xx) log(`${name}: ${measured.errors} errors, ${measured.non2xx} non-2xx answers`);
          figures.push({
            name,
            rate: measured.rps,
            rssMB: peakRss(),
            extra: { p99_ms: measured.p99, bare_rps: baseline.rps.toFixed(0), ratio_to_bare: (measured.rps / baseline.rps).toFixed(2), target_ratio: TARGET_RATIO, engine: db.engine },
          });
        }
        return figures;
      } finally {
        api.server.close();
        plain.server.close();
        await host.close();
      }
    } finally {
      await db.destroy();
    }
  },
};

export default benchmark;
