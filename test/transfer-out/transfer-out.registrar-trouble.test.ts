import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import type { EppCodeResult, RegistrarAdapter } from '../../registrar-adapters/types.ts';
import { countRows, createOutWorld, OURS, post, type OutWorld } from './transfer-out.support.ts';

const db = useMigratedDatabase();

const codeHash = async () => (await db.knex('dt_sandbox_domains').where({ name: OURS }).first('auth_code_hash')).auth_code_hash;

/** The one-time token of the domain page's Get EPP Code form, read as the browser has it. */
async function formToken(world: OutWorld): Promise<string> {
  const page = await world.client.agent.get(`/client/domains/${OURS}`);
  return /name="issue" value="([^"]+)"/.exec(page.text)![1]!;
}

/** Nothing was handed out: no code changed at the registry, no allowance spent, nothing recorded. */
async function expectNothingIssued(hashBefore: string | null) {
  expect(await codeHash()).toBe(hashBefore);
  expect(await countRows(db, 'dt_rate_limit_hits')).toBe(0);
  expect(await countRows(db, 'dt_audit_log')).toBe(0);
  expect(await countRows(db, 'dt_auth_codes')).toBe(0);
}

describe('“Get EPP Code” when the registrar cannot say the domain is ours', () => {
  it('answers 424 on the domain page and hands out nothing when the registrar cannot be reached', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const issue = await formToken(world);
    const before = await codeHash();
    await world.registry.injectFault('getDomainInfo', 'transient');

    const response = await post(world.client, `/client/domains/${OURS}/epp-code`, { issue });
    expect(response.status).toBe(424);
    expect(response.headers['cache-control']).toContain('no-store');
    expect(response.text).toContain('We could not reach the registrar. Nothing was changed; please try again in a few minutes.');
    expect(response.text).not.toContain('id="epp-code-value"');
    await expectNothingIssued(before);
    await world.host.close();
  });

  it('treats the registrar’s own rate limit like an outage: 424, nothing handed out', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const issue = await formToken(world);
    const before = await codeHash();
    await world.registry.injectFault('getDomainInfo', 'rate_limited');

    const response = await post(world.client, `/client/domains/${OURS}/epp-code`, { issue });
    expect(response.status).toBe(424);
    expect(response.text).toContain('We could not reach the registrar.');
    await expectNothingIssued(before);
    await world.host.close();
  });

  it('refuses with 409 when the registry no longer knows the domain, naming no sponsor it cannot know', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const issue = await formToken(world);
    const before = await codeHash();
    await world.registry.injectFault('getDomainInfo', 'not_found');

    const response = await post(world.client, `/client/domains/${OURS}/epp-code`, { issue });
    expect(response.status).toBe(409);
    expect(response.text).toContain(`The registry says ? sponsors ${OURS} now, so it cannot be transferred out from here.`);
    expect(response.text).not.toContain('id="epp-code-value"');
    await expectNothingIssued(before);
    await world.host.close();
  });

  it('refuses with 409, naming the new sponsor, once another registrar holds the domain', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await world.registry.simulateTransferAway(OURS, 'other-registrar');
    const response = await post(world.client, `/client/domains/${OURS}/epp-code`);
    expect(response.status).toBe(409);
    expect(response.text).toContain(`The registry says other-registrar sponsors ${OURS} now, so it cannot be transferred out from here.`);
    expect(await countRows(db, 'dt_audit_log')).toBe(0);
    expect(await countRows(db, 'dt_auth_codes')).toBe(0);
    await world.host.close();
  });
});

describe('“Get EPP Code” when the registrar answers with a blank code', () => {
  it('says so with 502 instead of showing an empty code, records nothing, and the same form works once the registrar recovers', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const adapter = world.host.module.registrars.get('sandbox')! as RegistrarAdapter;
    const realGetEppCode = adapter.getEppCode.bind(adapter);
    adapter.getEppCode = async (): Promise<EppCodeResult> => ({ kind: 'code', code: '  \t ' });
    const issue = await formToken(world);

    const blank = await post(world.client, `/client/domains/${OURS}/epp-code`, { issue });
    expect(blank.status).toBe(502);
    expect(blank.text).toContain('The registrar returned an empty EPP code. Please try again, or contact support.');
    expect(blank.text).not.toContain('id="epp-code-value"');
    expect(blank.text).not.toContain('it is shown only this once');
    expect(await countRows(db, 'dt_audit_log')).toBe(0);
    expect(await countRows(db, 'dt_auth_codes')).toBe(0);

    adapter.getEppCode = realGetEppCode;
    const retried = await post(world.client, `/client/domains/${OURS}/epp-code`, { issue });
    expect(retried.status).toBe(200);
    expect(retried.text).toMatch(/<code class="secret" id="epp-code-value">[A-Za-z0-9_-]{16,}<\/code>/);
    expect(await countRows(db, 'dt_audit_log', { action: 'transfer_out.epp_code' })).toBe(1);
    await world.host.close();
  });
});
