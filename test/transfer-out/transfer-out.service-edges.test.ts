import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import type { AdminPrincipal } from '../../module/host-context.ts';
import { clientPrincipal, createOutWorld, OURS, OURS_CLASSIC } from './transfer-out.support.ts';

const db = useMigratedDatabase();

const ADMIN: AdminPrincipal = { kind: 'admin', adminId: 'a7', sessionId: 'edges-admin', permissions: '*' };

describe('transfer-out service: registrar answers become messages the person can act on', () => {
  it('says the registry is unreachable (424) for a passing failure, and keeps the registrar’s words for a refusal (409); the log names the code', async () => {
    const capture = createCaptureLogger();
    const world = await createOutWorld(db, { adopt: [OURS], logger: capture.logger });
    const service = world.host.module.services.transferOut;
    await world.registry.addFault({ operation: 'setLock', kind: 'error', errorCode: 'transient', domainPattern: OURS, times: 1 });
    await expect(service.setLock({ principal: clientPrincipal(world) }, OURS, false)).rejects.toMatchObject({ status: 424, messageKey: 'transfer_out:errors.registry_unreachable' });
    await world.registry.addFault({ operation: 'setLock', kind: 'error', errorCode: 'rate_limited', domainPattern: OURS, times: 1 });
    await expect(service.setLock({ principal: clientPrincipal(world) }, OURS, false)).rejects.toMatchObject({ status: 424 });
    await world.registry.addFault({ operation: 'setLock', kind: 'error', errorCode: 'not_found', domainPattern: OURS, times: 1 });
    await expect(service.setLock({ principal: clientPrincipal(world) }, OURS, false)).rejects.toMatchObject({ status: 409, messageKey: 'transfer_out:errors.registry_refused', params: { message: expect.any(String) } });
    await world.registry.addFault({ operation: 'setLock', kind: 'error', errorCode: 'transfer_prohibited', domainPattern: OURS, times: 1 });
    await expect(service.setLock({ principal: clientPrincipal(world) }, OURS, false)).rejects.toMatchObject({ status: 409, messageKey: 'transfer_out:errors.registry_refused' });
    // Nothing pending: the registry's "not found" is said the action's way.
    await expect(service.resolvePending({ principal: clientPrincipal(world) }, OURS, 'cancel')).rejects.toMatchObject({ status: 409, messageKey: 'transfer_out:errors.no_pending' });
    // Pending, but the registry refuses for another reason: said as a refusal, not as "nothing pending".
    await world.registry.requestTransferOut(OURS, 'other-registrar');
    await world.registry.addFault({ operation: 'cancelTransferOut', kind: 'error', errorCode: 'transfer_prohibited', domainPattern: OURS, times: 1 });
    await expect(service.resolvePending({ principal: clientPrincipal(world) }, OURS, 'cancel')).rejects.toMatchObject({ status: 409, messageKey: 'transfer_out:errors.registry_refused' });
    const refusals = capture.entries().filter((l) => l.msg === 'registrar refused a transfer-out operation');
    expect(refusals.map((l) => l.code)).toEqual(['transient', 'rate_limited', 'not_found', 'transfer_prohibited', 'not_found', 'transfer_prohibited']);
    expect(refusals.every((l) => typeof l.error === 'string' && l.error.length > 0)).toBe(true);
    await world.host.close();
  });

  it('shows a domain the registry says another registrar now sponsors as elsewhere, naming it, and offers no code', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await world.registry.simulateTransferAway(OURS, 'other-registrar');
    const view = await world.host.module.services.transferOut.overview(clientPrincipal(world), OURS);
    expect(view).toMatchObject({ phase: 'active', registry: 'elsewhere', sponsor: 'other-registrar', canRequestCode: false, canChangeLock: false });
    await expect(world.host.module.services.transferOut.requestEppCode({ principal: clientPrincipal(world) }, OURS)).rejects.toMatchObject({ status: 409, messageKey: 'transfer_out:errors.not_ours', params: { domain: OURS, sponsor: 'other-registrar' } });
    await world.host.close();
  });
});

describe('transfer-out service: who acted, and on what', () => {
  it('counts an admin’s codes against the admin, not a client, and names the admin in the log', async () => {
    const capture = createCaptureLogger();
    const world = await createOutWorld(db, { adopt: [OURS], logger: capture.logger });
    await world.host.module.services.transferOut.requestEppCode({ principal: ADMIN }, OURS);
    expect(await db.knex('dt_rate_limit_buckets').orderBy('bucket').pluck('bucket')).toEqual(['epp-code:admin:a7', `epp-code:domain:${OURS}`]);
    const handed = capture.entries().find((l) => l.msg === 'EPP code handed out for transfer-out');
    expect(handed).toMatchObject({ domain: OURS, delivery: 'code', actor: 'admin:a7' });
    await world.host.close();
  });

  it('ends a cancelled or rejected transfer-out’s code at once, but not an approved one’s; the audit keeps a rejection’s reason only', async () => {
    const capture = createCaptureLogger();
    const world = await createOutWorld(db, { adopt: [OURS, OURS_CLASSIC], logger: capture.logger });
    const service = world.host.module.services.transferOut;
    for (const domain of [OURS, OURS_CLASSIC]) await service.requestEppCode({ principal: clientPrincipal(world) }, domain);
    await world.registry.requestTransferOut(OURS, 'other-registrar');
    await world.registry.requestTransferOut(OURS_CLASSIC, 'other-registrar');
    await service.resolvePending({ principal: clientPrincipal(world) }, OURS, 'cancel');
    await service.resolvePending({ principal: clientPrincipal(world) }, OURS_CLASSIC, 'approve');
    const ended = await db.knex('dt_jobs').where('key', 'like', 'clear-code:%:transfer_out_ended').pluck('payload');
    expect(ended.map((p: string) => JSON.parse(p).domain)).toEqual([OURS]);
    const audit = await db.knex('dt_audit_log').where('action', 'in', ['transfer_out.cancel', 'transfer_out.approve']).orderBy('id').select('action', 'detail');
    expect(audit).toEqual([
      { action: 'transfer_out.cancel', detail: null },
      { action: 'transfer_out.approve', detail: null },
    ]);
    const resolved = capture.entries().filter((l) => l.msg === 'pending transfer-out resolved');
    expect(resolved.map(({ domain, action, actor }) => ({ domain, action, actor }))).toEqual([
      { domain: OURS, action: 'cancel', actor: `client:${world.clientId}` },
      { domain: OURS_CLASSIC, action: 'approve', actor: `client:${world.clientId}` },
    ]);
    await world.host.close();
  });

  it('lists one domain’s transfer-out activity for an admin, newest first, and nothing else', async () => {
    const world = await createOutWorld(db, { adopt: [OURS, OURS_CLASSIC] });
    const service = world.host.module.services.transferOut;
    await service.setLock({ principal: clientPrincipal(world) }, OURS, false);
    world.clock.advance(1000);
    await service.setLock({ principal: ADMIN }, OURS, true);
    await service.setLock({ principal: clientPrincipal(world) }, OURS_CLASSIC, false);
    await db.knex('dt_audit_log').insert({ actor_kind: 'admin', actor_id: 'a7', domain: OURS, action: 'jobs.retry', detail: null, ip: null, created_at: 0 });
    const activity = await service.activity(ADMIN, OURS);
    expect(activity.map((a) => Object.keys(a).sort())).toEqual(Array(2).fill(['action', 'actor_id', 'actor_kind', 'created_at', 'detail']));
    expect(activity.map((a) => [a.action, a.actor_kind])).toEqual([
      ['transfer_out.lock', 'admin'],
      ['transfer_out.unlock', 'client'],
    ]);
    expect(await service.activity(ADMIN, OURS, 1)).toHaveLength(1);
    await world.host.close();
  });

  it('refuses to act on a domain that has left, naming it, and answers 404 for a name it does not manage', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const service = world.host.module.services.transferOut;
    await db.knex('dt_domains').where({ domain: OURS }).update({ status: 'transferred_away' });
    await expect(service.setLock({ principal: clientPrincipal(world) }, OURS, false)).rejects.toMatchObject({ status: 409, messageKey: 'transfer_out:errors.transferred_away', params: { domain: OURS } });
    await expect(service.overview(clientPrincipal(world), 'not-managed-here.com')).rejects.toMatchObject({ status: 404 });
    await world.host.close();
  });
});
