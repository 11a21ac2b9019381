import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createKnex } from '../../module/database.ts';
import { clientIdOf, DEMO } from '../../host/test/host.test-support.ts';
import { createTransferWorld, type TransferWorld } from '../transfer-in/transfer-in.support.ts';

/**
 * Domain reads are kept between database changes on SQLite (and never on MariaDB): whoever
 * commits a change, this process or another one, the next read shows it, and a revoked key is
 * refused on its next request.
 */
const db = useMigratedDatabase();
const DOMAIN = 'kept-answer.com';

let other: Knex | undefined;
afterEach(async () => {
  await other?.destroy();
  other = undefined;
});

/** Another process's view of the same database: its own connection, its own commits. */
const otherConnection = () => (other ??= createKnex(db.target, { poolMax: 1 }));

async function setUp(): Promise<{ world: TransferWorld; token: string; reads: () => number }> {
  const world = await createTransferWorld(db);
  const clientId = await clientIdOf(world.host, DEMO.client.email);
  const at = world.clock.now().getTime();
  await db.knex('dt_domains').insert({ domain: DOMAIN, client_id: clientId, registrar_id: 'sandbox', status: 'active', expiry_date: at + 1e10, status_changed_at: at, created_at: at, updated_at: at });
  const { token } = await world.host.module.services.apiKeys.create({ name: 'poller', scopes: ['domains:read'], actor: 'admin:1' });
  let count = 0;
  db.knex.on('query', (q: { sql: string }) => {
    if (/from `dt_domains`/.test(q.sql)) count++;
  });
  return { world, token, reads: () => count };
}

/** No read on SQLite; on MariaDB, nothing is kept and the domains are read again. */
const expectKept = (reads: number) => (db.engine === 'sqlite' ? expect(reads).toBe(0) : expect(reads).toBeGreaterThan(0));

const get = (world: TransferWorld, token: string, path: string) => request(world.host.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

describe('domain reads between database changes', () => {
  it('answers a repeated read without reading again on SQLite, and shows a change committed by this process or by another one', async () => {
    const { world, token, reads } = await setUp();
    // The key's first use writes its last-use time: a change like any other.
    await get(world, token, `/domains/${DOMAIN}`);
    const first = await get(world, token, `/domains/${DOMAIN}`);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('active');
    const before = reads();
    const again = await get(world, token, `/domains/${DOMAIN}`);
    expect(again.text).toBe(first.text);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.headers['cache-control']).toContain('no-store');
    expectKept(reads() - before);

    await otherConnection()('dt_domains').where({ domain: DOMAIN }).update({ status: 'transferred_away' });
    expect((await get(world, token, `/domains/${DOMAIN}`)).body.status).toBe('transferred_away');
    expect((await get(world, token, `/domains?q=kept`)).body.data.map((d: { status: string }) => d.status)).toEqual(['transferred_away']);

    await db.knex('dt_domains').where({ domain: DOMAIN }).update({ status: 'cancelled' });
    expect((await get(world, token, `/domains/${DOMAIN}`)).body.status).toBe('cancelled');
    expect((await get(world, token, `/domains?q=kept`)).body.data.map((d: { status: string }) => d.status)).toEqual(['cancelled']);
    await world.host.close();
  });

  it('keeps answers per client binding: a kept admin answer is never shown to another client’s key', async () => {
    const { world, token } = await setUp();
    expect((await get(world, token, `/domains/${DOMAIN}`)).status).toBe(200);
    const { token: stranger } = await world.host.module.services.apiKeys.create({ name: 'other client', scopes: ['domains:read'], clientId: 'someone-else', actor: 'admin:1' });
    expect((await get(world, stranger, `/domains/${DOMAIN}`)).status).toBe(404);
    expect((await get(world, stranger, '/domains?q=kept')).body.data).toEqual([]);
    await world.host.close();
  });

  it('refuses a key revoked by another process on its next request', async () => {
    const { world, token } = await setUp();
    expect((await get(world, token, `/domains/${DOMAIN}`)).status).toBe(200);
    expect((await get(world, token, `/domains/${DOMAIN}`)).status).toBe(200);
    await otherConnection()('dt_api_keys').update({ revoked_at: world.clock.now().getTime(), revoked_by: 'admin:other-instance' });
    expect((await get(world, token, `/domains/${DOMAIN}`)).status).toBe(401);
    await world.host.close();
  });

  it('makes a kept answer again after five seconds, for what the host changes outside the database', async () => {
    const { world, token, reads } = await setUp();
    await get(world, token, '/domains?q=kept');
    await get(world, token, '/domains?q=kept');
    let before = reads();
    await get(world, token, '/domains?q=kept');
    expectKept(reads() - before);
    world.clock.advance(4_999);
    before = reads();
    await get(world, token, '/domains?q=kept');
    expectKept(reads() - before);
    world.clock.advance(1);
    before = reads();
    await get(world, token, '/domains?q=kept');
    expect(reads()).toBeGreaterThan(before);
    await world.host.close();
  });
});
