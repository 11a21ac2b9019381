import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { buildOutHost, countRows, createOutWorld, DEMO, OURS, OURS_CLASSIC, post, session, type OutWorld } from './transfer-out.support.ts';

const db = useMigratedDatabase();
const MINUTE = 60 * 1000;

/** A second app instance on the same database (and the same clock), as behind a load balancer. */
async function secondInstance(world: OutWorld) {
  const host = buildOutHost(db, world.clock);
  await host.module.start();
  return { host, client: await session(host, DEMO.client, '/client/domains') };
}

const codeHash = async (domain: string) => (await db.knex('dt_sandbox_domains').where({ name: domain }).first('auth_code_hash')).auth_code_hash;

describe('“Get EPP Code” is limited per user and per domain (5 an hour), across app instances', () => {
  it('counts one user’s requests on both instances together, over several domains', async () => {
    const world = await createOutWorld(db, { adopt: [OURS, OURS_CLASSIC] });
    const b = await secondInstance(world);
    const plan: Array<[typeof world.client, string]> = [
      [world.client, OURS],
      [b.client, OURS_CLASSIC],
      [world.client, OURS],
      [b.client, OURS_CLASSIC],
      [world.client, OURS],
    ];
    for (const [who, domain] of plan) expect((await post(who, `/client/domains/${domain}/epp-code`)).status).toBe(200);

    const hashBefore = await codeHash(OURS_CLASSIC);
    const refused = await post(b.client, `/client/domains/${OURS_CLASSIC}/epp-code`);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('3600');
    expect(refused.text).toContain('Too many EPP code requests. Try again in 60 minutes.');
    // Refused before the registrar was asked: the code at the registry is unchanged.
    expect(await codeHash(OURS_CLASSIC)).toBe(hashBefore);
    expect(await countRows(db, 'dt_audit_log', { action: 'transfer_out.epp_code' })).toBe(5);
    await b.host.close();
    await world.host.close();
  });

  it('counts every requester against the domain, and frees slots as the hour slides on', async () => {
    const world = await createOutWorld(db, { adopt: [OURS, OURS_CLASSIC] });
    const b = await secondInstance(world);
    const admin = await session(b.host, DEMO.admin, '/admin/domains');

    for (const who of [world.client, b.client, world.client]) expect((await post(who, `/client/domains/${OURS}/epp-code`)).status).toBe(200);
    world.clock.advance(30 * MINUTE);
    for (const who of [b.client, world.client]) expect((await post(who, `/client/domains/${OURS}/epp-code`)).status).toBe(200);

    // The admin has asked for nothing yet, but the domain has had its five.
    const refused = await post(admin, `/admin/domains/${OURS}/epp-code`);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1800');
    expect((await post(admin, `/admin/domains/${OURS_CLASSIC}/epp-code`)).status).toBe(200);

    // Just past an hour after the first three, three slots are free again.
    world.clock.advance(30 * MINUTE + 1000);
    expect((await post(admin, `/admin/domains/${OURS}/epp-code`)).status).toBe(200);
    await b.host.close();
    await world.host.close();
  });

  it('lets exactly five of twelve simultaneous requests through, split over two instances', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const b = await secondInstance(world);
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post(i % 2 ? b.client : world.client, `/client/domains/${OURS}/epp-code`)),
    );
    const statuses = responses.map((r) => r.status).sort();
    // Each answer's own words and the hits recorded, so a miscount says which request went wrong.
    const hitsNow = await db.knex('dt_rate_limit_hits').orderBy('id').select('bucket', 'created_at');
    const why = JSON.stringify({ answers: responses.map((r) => `${r.status} ${/data-transfer-out="code-message">([^<]*)/.exec(r.text)?.[1] ?? ''}`), hits: hitsNow });
    expect(statuses, why).toEqual([...Array(5).fill(200), ...Array(7).fill(429)]);
    expect(await countRows(db, 'dt_rate_limit_hits', { bucket: `epp-code:domain:${OURS}` })).toBe(5);
    expect(await countRows(db, 'dt_audit_log', { action: 'transfer_out.epp_code' })).toBe(5);
    await b.host.close();
    await world.host.close();
  });

  it('takes the limit from config', async () => {
    const world = await createOutWorld(db, { adopt: [OURS], config: { transferOut: { eppCodeRequestsPerHour: 1 } } });
    expect((await post(world.client, `/client/domains/${OURS}/epp-code`)).status).toBe(200);
    expect((await post(world.client, `/client/domains/${OURS}/epp-code`)).status).toBe(429);
    expect((await world.client.agent.get(`/client/domains/${OURS}`)).text).toContain('At most 1 request per hour');
    await world.host.close();
  });
});
