import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { clientIdOf, DEMO } from '../../host/test/host.test-support.ts';
import { createTransferWorld, type TransferWorld } from '../transfer-in/transfer-in.support.ts';
import { anyText, percentEncode } from '../security/post-routes.fuzz-forms.ts';
import { changedTables, FUZZ_RUNS, FUZZ_SEED, rowCounts, tablesOf } from '../security/post-routes.fuzz-world.ts';

/**
 * The JSON API with any body, any query and any Idempotency-Key: never a 500 or a stack trace,
 * every refusal a problem+json, and a refusal writes nothing (but the key's own bookkeeping:
 * its rate-limit hits and the refusal kept for an Idempotency-Key replay).
 */
const db = useMigratedDatabase();
const BOOKKEEPING = ['dt_rate_limit_buckets', 'dt_rate_limit_hits', 'dt_api_rate_windows', 'dt_api_idempotency'];
const RUNS = Math.max(20, Math.ceil(FUZZ_RUNS / 2));

let world: TransferWorld;
let token: string;
let clientId: string;
beforeAll(async () => {
  world = await createTransferWorld(db, { config: { api: { requestsPerMinute: 100_000 } } });
  clientId = await clientIdOf(world.host, DEMO.client.email);
  await world.host.module.services.adoptDomain({ domain: 'demo-ours.com', clientId, registrarId: 'sandbox' });
  token = (await world.host.module.services.apiKeys.create({ name: 'fuzz', scopes: ['transfers:write', 'domains:read', 'domains:write', 'epp:read', 'sync:run'], actor: 'admin:1' })).token;
});
afterAll(async () => world.host.close());

const value = fc.oneof(anyText, fc.integer(), fc.boolean(), fc.constant(null), fc.array(anyText, { maxLength: 3 }), fc.dictionary(anyText, anyText, { maxKeys: 3 }));
/** Bodies for POST /transfers: mostly of the right shape (the demo client, real names), the rest anything. */
const transferBody = () =>
  fc.oneof(
  fc.record({ clientId: fc.oneof(fc.constant(clientId as unknown), value), domain: fc.oneof(fc.constantFrom('demo-transferable.com', 'demo-locked.com', '例子.中国', 'DEMO-NEW.COM'), value), authCode: fc.oneof(anyText, value) }, { requiredKeys: [] }),
  fc.jsonValue(),
  fc.dictionary(anyText, value, { maxKeys: 5 }),
);
const idempotencyKey = fc.option(fc.oneof(fc.constantFrom('k-1', 'k-2', ''), anyText), { nil: undefined });

function expectSound(answer: request.Response, changed: string[]) {
  expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
  expect(answer.text).not.toMatch(/\n\s+at .+:\d+:\d+|node_modules|SQLITE_|ER_[A-Z_]+|select .* from/i);
  if (answer.status >= 400) {
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ type: expect.stringMatching(/^urn:domain-transfers:problem:/), status: answer.status, detail: expect.any(String) });
    expect(changed).toEqual([]);
  }
}

describe('JSON API v1, fuzzed', () => {
  it('POST /transfers: any JSON, any Idempotency-Key', async () => {
    const tables = await tablesOf(db);
    await fc.assert(
      fc.asyncProperty(transferBody(), idempotencyKey, async (body, key) => {
        const before = await rowCounts(db, tables);
        const post = request(world.host.app).post('/api/v1/transfers').set('Authorization', `Bearer ${token}`);
        // Only what an HTTP client can put in a header.
        if (key !== undefined) post.set('Idempotency-Key', key.replace(/[^\t\x20-\x7e]/g, ''));
        const answer = await post.set('Content-Type', 'application/json').send(JSON.stringify(body));
        expectSound(answer, changedTables(before, await rowCounts(db, tables), BOOKKEEPING));
        if (answer.status < 400) await db.knex('dt_transfer_orders').delete();
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
  }, 60_000 + RUNS * 500);

  it('the actions on a domain: any name, any JSON', async () => {
    const tables = await tablesOf(db);
    const action = fc.constantFrom('lock', 'unlock', 'epp-code', 'transfer/code', 'transfer/retry', 'transfer/cancel');
    const name = fc.oneof(fc.constantFrom('demo-transferable.com', 'demo-ours.com', 'demo-wrong-code.com', 'nowhere.example'), anyText);
    await fc.assert(
      fc.asyncProperty(action, name, fc.oneof(fc.jsonValue(), fc.record({ authCode: value, domain: value }, { requiredKeys: [] })), async (act, domain, body) => {
        const before = await rowCounts(db, tables);
        const path = `/api/v1/domains/${percentEncode(domain)}/${act}`;
        const answer = await request(world.host.app).post(path).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(JSON.stringify(body));
        expectSound(answer, changedTables(before, await rowCounts(db, tables), BOOKKEEPING));
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
  }, 60_000 + RUNS * 1000);

  it('GET /domains and /domains/{domain}: any query and any name', async () => {
    const tables = await tablesOf(db);
    const query = fc.dictionary(fc.constantFrom('status', 'registrar', 'tld', 'client', 'failure', 'q', 'sort', 'dir', 'limit', 'after', 'x'), anyText, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(query, anyText, async (q, name) => {
        const before = await rowCounts(db, tables);
        const list = await request(world.host.app).get('/api/v1/domains').query(q).set('Authorization', `Bearer ${token}`);
        expectSound(list, changedTables(before, await rowCounts(db, tables), BOOKKEEPING));
        const one = await request(world.host.app).get(`/api/v1/domains/${percentEncode(name)}`).set('Authorization', `Bearer ${token}`);
        expectSound(one, changedTables(before, await rowCounts(db, tables), BOOKKEEPING));
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
  }, 60_000 + RUNS * 500);
});
