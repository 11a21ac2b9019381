import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { transitionDomain } from '../../module/domains/domain-status.machine.ts';
import type { ManualAdapter } from '../../registrar-adapters/manual/index.ts';
import { testModuleConfig } from '../../host/test/host.test-support.ts';
import { createOutWorld, DEMO, OURS, post, session } from './transfer-out.support.ts';

const db = useMigratedDatabase();

const ACTION_FORMS = /action="\/(client|admin)\/domains\/[^"]+\/(lock|unlock|epp-code|transfer-out\/\w+)"/g;

describe('a transfer-out another registrar asked for', () => {
  it('is shown to the client, who cancels it (Alibaba’s “Cancel Transfer-Out”)', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await world.registry.requestTransferOut(OURS, 'other-registrar');
    const page = await world.client.agent.get(`/client/domains/${OURS}`);
    expect(page.text).toContain('other-registrar asked for this domain on Jun 1, 2026');
    expect(page.text).toContain('the domain moves to them on Jun 6, 2026');
    expect(page.text).toContain('Cancel Transfer-Out');

    const cancelled = await post(world.client, `/client/domains/${OURS}/transfer-out/cancel`);
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.location).toBe(`/client/domains/${OURS}?notice=transfer_out_cancel#transfer-out`);
    const after = await world.registry.getDomain(OURS);
    expect(after).toMatchObject({ sponsoredByUs: true, pendingTransfer: null });
    expect(await db.knex('dt_audit_log').first('actor_kind', 'action', 'domain')).toEqual({ actor_kind: 'client', action: 'transfer_out.cancel', domain: OURS });

    // Nothing pending any more: a second cancel says so instead of pretending.
    const again = await post(world.client, `/client/domains/${OURS}/transfer-out/cancel`);
    expect(again.status).toBe(409);
    expect(again.text).toContain('No transfer-out of this domain is pending any more');
    await world.host.close();
  });

  it('lets the client approve it; the page then says the domain is with the new registrar and offers nothing', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await world.registry.requestTransferOut(OURS, 'other-registrar');
    // Without the confirmation (no JavaScript), the page asks first and nothing happens yet.
    const asked = await post(world.client, `/client/domains/${OURS}/transfer-out/approve`, { confirm: '', gaining: 'other-registrar' });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('Approve the transfer of demo-ours.com to other-registrar now?');
    expect(asked.text).toContain('name="confirm" value="yes"');
    expect((await world.registry.getDomain(OURS))!.pendingTransfer).not.toBeNull();
    expect((await post(world.client, `/client/domains/${OURS}/transfer-out/approve`)).status).toBe(303);
    expect((await world.registry.getDomain(OURS))!.sponsor).toBe('other-registrar');

    const page = await world.client.agent.get(`/client/domains/${OURS}`);
    expect(page.text).toContain('The registry says other-registrar now sponsors this domain');
    expect(page.text.match(ACTION_FORMS)).toBeNull();
    const code = await post(world.client, `/client/domains/${OURS}/epp-code`);
    expect(code.status).toBe(409);
    // The status change itself belongs to the sync, which also turns auto-renew off.
    expect((await db.knex('dt_domains').where({ domain: OURS }).first()).status).toBe('active');
    await world.host.close();
  });

  it('lets an admin reject it with a reason, and audits it on the admin page', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const transfer = await world.registry.requestTransferOut(OURS, 'other-registrar');
    const admin = await session(world.host, DEMO.admin, '/admin/domains');
    const page = await admin.agent.get(`/admin/domains/${OURS}`);
    expect(page.text).toContain(`action="/admin/domains/${OURS}/transfer-out/reject"`);

    const rejected = await post(admin, `/admin/domains/${OURS}/transfer-out/reject`, { reason: 'Registrant disputes the request.' });
    expect(rejected.status).toBe(303);
    const row = await db.knex('dt_sandbox_transfers').where({ id: transfer.id }).first();
    expect(row).toMatchObject({ status: 'rejected', reason: 'Registrant disputes the request.' });
    const audit = await db.knex('dt_audit_log').first();
    expect(audit).toMatchObject({ actor_kind: 'admin', action: 'transfer_out.reject', domain: OURS, detail: 'Registrant disputes the request.' });

    const after = await admin.agent.get(`/admin/domains/${OURS}`);
    expect(after.text).toContain('data-transfer-out="activity"');
    expect(after.text).toContain(`Admin #${audit.actor_id}`);
    expect(after.text).toContain('Transfer-out rejected');
    await world.host.close();
  });

  it('offers only the buttons the registrar supports; a missing capability is refused with 409', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const adapter = world.host.module.registrars.get('sandbox')! as unknown as Record<string, unknown>;
    adapter.cancelTransferOut = undefined;
    adapter.approveTransferOut = undefined;
    await world.registry.requestTransferOut(OURS, 'other-registrar');
    const page = await world.client.agent.get(`/client/domains/${OURS}`);
    expect(page.text).toContain('data-transfer-out="pending"');
    expect(page.text).not.toContain('/transfer-out/cancel"');
    expect(page.text).not.toContain('/transfer-out/approve"');
    expect(page.text).toContain('/transfer-out/reject"');
    const refused = await post(world.client, `/client/domains/${OURS}/transfer-out/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('does not offer this action');
    expect((await world.registry.getDomain(OURS))!.pendingTransfer).not.toBeNull();
    await world.host.close();
  });
});

describe('a registrar staff operate by hand (the manual adapter)', () => {
  it('shows the lock as unknown until staff confirm it, offers no pending-transfer buttons, and says the code goes by email', async () => {
    const base = testModuleConfig() as { registrars: Record<string, unknown>; tldRouting: Record<string, string> };
    const world = await createOutWorld(db, {
      adopt: [],
      config: {
        registrars: { ...base.registrars, legacy: { adapter: 'manual', options: { registrarName: 'Legacy Registrar' } } },
        tldRouting: { ...base.tldRouting, info: 'legacy' },
      },
    });
    await world.host.module.services.adoptDomain({ domain: 'legacy-example.info', clientId: world.clientId });
    const path = '/client/domains/legacy-example.info';

    let page = await world.client.agent.get(path);
    expect(page.text).toContain('data-lock="unknown"');
    expect(page.text).toContain('Staff have not confirmed the transfer lock state');
    expect(page.text).toContain('we cannot check the rules here');
    expect(page.text).toContain(`action="${path}/unlock"`);
    expect(page.text).toContain(`action="${path}/lock"`);
    expect(page.text).not.toContain('/transfer-out/');
    const cancel = await post(world.client, `${path}/transfer-out/cancel`);
    expect(cancel.status).toBe(409);

    const code = await post(world.client, `${path}/epp-code`);
    expect(code.status).toBe(200);
    expect(code.text).toContain('The registrar sends the EPP code by email to the registrant email address on record at Legacy Registrar; it is not shown here.');

    const tasks = (world.host.module.registrars.get('legacy') as ManualAdapter).tasks;
    await tasks.recordFacts('legacy', 'legacy-example.info', { locked: true, sponsoredByUs: true }, 'staff:1');
    page = await world.client.agent.get(path);
    expect(page.text).toContain('data-lock="locked"');
    const unlock = await post(world.client, `${path}/unlock`);
    expect(unlock.headers.location).toBe(`${path}?notice=lock_requested#transfer-out`);
    page = await world.client.agent.get(`${path}?notice=lock_requested`);
    expect(page.text).toContain('the registrar has not confirmed it yet');
    expect(page.text).toContain('data-lock="locked"');
    expect(await db.knex('dt_manual_tasks').where({ operation: 'lock', status: 'open' }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
    await world.host.close();
  });
});

describe('a domain that has been transferred away', () => {
  it('says so on both pages, offers no action, and refuses every action with 409', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const row = await db.knex('dt_domains').where({ domain: OURS }).first();
    await transitionDomain(db.knex, { domainId: row.id, from: 'active', to: 'transferred_away', cause: 'sync.transferred_away', actor: 'sync:test', at: world.clock.now() });
    // Any registrar call would now fail: the pages must not need one.
    await world.registry.injectFault('*', 'transient', 100);
    const admin = await session(world.host, DEMO.admin, '/admin/domains');

    for (const [who, base] of [[world.client, `/client/domains/${OURS}`], [admin, `/admin/domains/${OURS}`]] as const) {
      const page = await who.agent.get(base);
      expect(page.status).toBe(200);
      expect(page.text).toContain('This domain left us for another registrar (Jun 1, 2026)');
      expect(page.text.match(ACTION_FORMS)).toBeNull();
      for (const action of ['lock', 'unlock', 'epp-code', 'transfer-out/cancel', 'transfer-out/approve', 'transfer-out/reject']) {
        const response = await post(who, `${base}/${action}`);
        expect(response.status, `${base}/${action}`).toBe(409);
        expect(response.text).toContain('has been transferred to another registrar');
      }
    }
    expect(await db.knex('dt_audit_log').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await world.host.close();
  });
});
