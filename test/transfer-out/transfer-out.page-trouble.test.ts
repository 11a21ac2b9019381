import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import { countRows, createOutWorld, OURS, post } from './transfer-out.support.ts';

const db = useMigratedDatabase();

const PAGE = `/client/domains/${OURS}`;
const forms = (html: string) => ({
  lock: html.includes(`action="${PAGE}/lock"`),
  unlock: html.includes(`action="${PAGE}/unlock"`),
  eppCode: html.includes(`action="${PAGE}/epp-code"`),
});

describe('the domain page while the registrar has trouble', () => {
  it('says the registrar cannot be reached, shows the lock as unknown with the registrar’s words, and offers no action', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await world.registry.injectFault('getDomainInfo', 'transient');
    await world.registry.injectFault('getLock', 'rate_limited');

    const page = await world.client.agent.get(PAGE);
    expect(page.status).toBe(200);
    expect(page.text).toContain('We could not reach the registrar just now, so the lock state and the rules are unknown.');
    expect(page.text).toContain('data-lock="unknown"');
    expect(page.text).toContain('(Injected fault: the sandbox registry failed getLock with rate_limited.)');
    expect(forms(page.text)).toEqual({ lock: false, unlock: false, eppCode: false });
    await world.host.close();
  });

  it('says the registry no longer knows the domain with us, and offers no action', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await world.registry.injectFault('getDomainInfo', 'not_found');

    const page = await world.client.agent.get(PAGE);
    expect(page.status).toBe(200);
    expect(page.text).toContain('The registry no longer knows this domain with us. It will be updated at the next status check.');
    expect(page.text).not.toContain('We could not reach the registrar just now');
    expect(forms(page.text)).toEqual({ lock: false, unlock: false, eppCode: false });
    await world.host.close();
  });

  it('quotes the registrar when it will not report the registry facts, and still lets the client lock and ask for the code', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await world.registry.injectFault('getDomainInfo', 'unsupported');

    const page = await world.client.agent.get(PAGE);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sandbox registry does not report registry facts for this domain. <q>Injected fault: the sandbox registry failed getDomainInfo with unsupported.</q>');
    expect(page.text).toContain('data-lock="unlocked"');
    expect(forms(page.text)).toEqual({ lock: true, unlock: false, eppCode: true });
    await world.host.close();
  });
});

describe('changing the transfer lock when the registrar does not simply say yes', () => {
  it('answers 409 with the registrar’s words, logs the refusal for the operator, and records nothing', async () => {
    const capture = createCaptureLogger();
    const world = await createOutWorld(db, { adopt: [OURS], logger: capture.logger });
    await world.registry.injectFault('setLock', 'transfer_prohibited');

    const response = await post(world.client, `${PAGE}/lock`);
    expect(response.status).toBe(409);
    expect(response.text).toContain('The registrar refused: Injected fault: the sandbox registry failed setLock with transfer_prohibited.');
    expect((await world.registry.getDomain(OURS))!.statuses).not.toContain('clientTransferProhibited');
    expect(await countRows(db, 'dt_audit_log')).toBe(0);
    const refusal = capture.entries().find((l) => l.msg === 'registrar refused a transfer-out operation');
    expect(refusal).toMatchObject({ level: 40, code: 'transfer_prohibited' });
    await world.host.close();
  });

  it('says the change was requested, not done, when the registrar takes it but cannot confirm the new state', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await world.registry.injectFault('getLock', 'transient');

    const response = await post(world.client, `${PAGE}/lock`);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe(`${PAGE}?notice=lock_requested#transfer-out`);
    // The registrar did take it, so it is audited.
    expect((await world.registry.getDomain(OURS))!.statuses).toContain('clientTransferProhibited');
    expect(await db.knex('dt_audit_log').pluck('action')).toEqual(['transfer_out.lock']);
    const page = await world.client.agent.get(`${PAGE}?notice=lock_requested`);
    expect(page.text).toContain('The change of the transfer lock has been requested; the registrar has not confirmed it yet.');
    await world.host.close();
  });
});
