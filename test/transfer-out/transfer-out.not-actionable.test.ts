import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createPendingDomain } from '../../module/domains/domain-status.machine.ts';
import { countRows, createOutWorld, DEMO, OURS, post, session } from './transfer-out.support.ts';

const db = useMigratedDatabase();

const ACTIONS = ['lock', 'unlock', 'epp-code', 'transfer-out/cancel', 'transfer-out/approve', 'transfer-out/reject'];

describe('transfer-out actions on a domain that cannot leave from here', () => {
  it('refuses every action with 409 while the domain’s transfer-in is still pending, and asks the registrar nothing', async () => {
    const world = await createOutWorld(db, { adopt: [] });
    const domain = 'arriving-example.com';
    await db.knex.transaction((trx) =>
      createPendingDomain(trx, { domain, clientId: world.clientId, registrarId: 'sandbox', transferOrderId: null }, 'test', 'test', world.clock.now()),
    );
    // Any registrar call would fail loudly: the refusal must come first.
    await world.registry.injectFault('*', 'transient', 100);
    const admin = await session(world.host, DEMO.admin, '/admin/domains');

    for (const [who, base] of [[world.client, `/client/domains/${domain}`], [admin, `/admin/domains/${domain}`]] as const) {
      for (const action of ACTIONS) {
        const response = await post(who, `${base}/${action}`, { issue: 'none' });
        expect(response.status, `${base}/${action}`).toBe(409);
        // Get EPP Code answers with the domain page, which has no transfer-out section before the
        // domain arrives: the refusal is shown at the top instead.
        if (action === 'epp-code') expect(response.text).not.toContain('id="epp-code-value"');
        expect(response.text, `${base}/${action}`).toContain(`${domain} is not active with us yet, so it cannot be transferred out.`);
      }
    }
    expect((await world.registry.listFaults())[0]).toMatchObject({ times: 100 });
    expect(await countRows(db, 'dt_audit_log')).toBe(0);
    expect(await countRows(db, 'dt_rate_limit_hits')).toBe(0);
    await world.host.close();
  });

  it('refuses every action with 409 naming the registrar when the domain’s registrar is no longer configured', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    // The host's operator removed the registrar from the configuration; the domain still names it.
    await db.knex('dt_domains').where({ domain: OURS }).update({ registrar_id: 'retired-registrar' });
    const before = JSON.stringify(await world.registry.getDomain(OURS));

    const page = await world.client.agent.get(`/client/domains/${OURS}`);
    expect(page.status).toBe(200);
    for (const action of ACTIONS) {
      const response = await post(world.client, `/client/domains/${OURS}/${action}`, { issue: 'none' });
      expect(response.status, action).toBe(409);
      expect(response.text).toContain('The registrar retired-registrar of this domain is no longer configured. Contact support.');
    }
    expect(JSON.stringify(await world.registry.getDomain(OURS))).toBe(before);
    expect(await countRows(db, 'dt_audit_log')).toBe(0);
    expect(await countRows(db, 'dt_rate_limit_hits')).toBe(0);
    await world.host.close();
  });
});

describe('rejecting a pending transfer-out without giving a reason', () => {
  it('tells the gaining registrar the registrant rejected it when the client rejects', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const transfer = await world.registry.requestTransferOut(OURS, 'other-registrar');

    const rejected = await post(world.client, `/client/domains/${OURS}/transfer-out/reject`, { reason: '   ' });
    expect(rejected.status).toBe(303);
    expect(await db.knex('dt_sandbox_transfers').where({ id: transfer.id }).first('status', 'reason')).toEqual({ status: 'rejected', reason: 'Rejected by the registrant.' });
    expect(await db.knex('dt_audit_log').first('actor_kind', 'action', 'detail')).toEqual({ actor_kind: 'client', action: 'transfer_out.reject', detail: 'Rejected by the registrant.' });
    await world.host.close();
  });

  it('tells the gaining registrar the sponsoring registrar rejected it when an admin rejects', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const transfer = await world.registry.requestTransferOut(OURS, 'other-registrar');
    const admin = await session(world.host, DEMO.admin, '/admin/domains');

    const rejected = await post(admin, `/admin/domains/${OURS}/transfer-out/reject`);
    expect(rejected.status).toBe(303);
    expect(await db.knex('dt_sandbox_transfers').where({ id: transfer.id }).first('status', 'reason')).toEqual({ status: 'rejected', reason: 'Rejected by the sponsoring registrar.' });
    expect(await db.knex('dt_audit_log').first('actor_kind', 'action', 'detail')).toEqual({ actor_kind: 'admin', action: 'transfer_out.reject', detail: 'Rejected by the sponsoring registrar.' });
    await world.host.close();
  });

  it('keeps at most 500 characters of a long reason', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const transfer = await world.registry.requestTransferOut(OURS, 'other-registrar');
    const reason = `  ${'The registrant did not ask for this. '.repeat(20)}`;

    expect((await post(world.client, `/client/domains/${OURS}/transfer-out/reject`, { reason })).status).toBe(303);
    const kept = reason.trim().slice(0, 500);
    expect(kept).toHaveLength(500);
    expect((await db.knex('dt_sandbox_transfers').where({ id: transfer.id }).first('reason')).reason).toBe(kept);
    expect((await db.knex('dt_audit_log').first('detail')).detail).toBe(kept);
    await world.host.close();
  });
});
