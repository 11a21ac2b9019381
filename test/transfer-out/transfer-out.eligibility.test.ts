import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import type { SandboxDomainInput } from '../../registrar-adapters/sandbox/index.ts';
import { createOutWorld, OURS, OURS_LOCKED, post, type OutWorld } from './transfer-out.support.ts';
import { maskEmail } from '../../module/transfer-out/transfer-out.rules.ts';

const db = useMigratedDatabase();
const DAY = 24 * 60 * 60 * 1000;

/** The rules table as rendered: each row's label and state, with its reasons. */
function rulesOn(html: string): Array<{ label: string; state: string; text: string }> {
  return [...html.matchAll(/<tr data-rule-state="(\w+)">\s*<td>([^<]+)<\/td>([\s\S]*?)<\/tr>/g)].map((m) => ({ state: m[1]!, label: m[2]!, text: m[3]! }));
}

/** A domain we sponsor, in good standing unless `input` says otherwise, adopted by the demo client. */
async function ourDomain(world: OutWorld, name: string, input: Omit<SandboxDomainInput, 'name'>): Promise<void> {
  const now = world.clock.now().getTime();
  await world.registry.addDomain({
    name,
    sponsor: world.registry.registrarId,
    authCode: null,
    createdAt: new Date(now - 3 * 365 * DAY),
    expiresAt: new Date(now + 200 * DAY),
    ...input,
  });
  await world.host.module.services.adoptDomain({ domain: name, clientId: world.clientId, registrarId: 'sandbox' });
}

describe('the seeds’ transfer-out rules, each shown with its reason and enforced on “Get EPP Code”', () => {
  it.each([
    ['registered 20 days ago', 'Registered at least 60 days ago', { createdAt: -20 }, 'registered less than 60 days ago. It can be transferred from 2026-07-11'],
    ['transferred in 10 days ago', 'At least 60 days since the last transfer', { lastTransferredAt: -10 }, 'transferred less than 60 days ago. It can be transferred again from 2026-07-21'],
    ['expiring in 7 days', 'More than 15 days before the expiry date', { expiresAt: 7 }, 'expires on 2026-06-08, within 15 days'],
    ['renewed 10 days ago', 'At least 45 days since the last renewal', { lastRenewedAt: -10 }, 'renewed or redeemed less than 45 days ago. It can be transferred out from 2026-07-06'],
    ['locked by the registry', 'In a normal state', { statuses: ['serverTransferProhibited'] }, 'The registry has locked this domain against transfers'],
    ['locked by us (the client lock)', 'In a normal state', { statuses: ['clientTransferProhibited'] }, 'Unlock it below before you request the EPP code'],
  ] as const)('%s: “%s” is not met', async (_case, label, facts, reason) => {
    const world = await createOutWorld(db, { adopt: [] });
    const now = world.clock.now().getTime();
    const dated = Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, typeof v === 'number' ? new Date(now + v * DAY) : v]));
    await ourDomain(world, 'rule-case.com', dated);

    const page = await world.client.agent.get('/client/domains/rule-case.com');
    const rows = rulesOn(page.text);
    expect(rows).toHaveLength(5);
    const unmet = rows.filter((r) => r.state === 'unmet');
    expect(unmet.map((r) => r.label)).toEqual([expect.stringContaining(label)]);
    expect(unmet[0]!.text).toContain(reason);
    expect(page.text).not.toContain('action="/client/domains/rule-case.com/epp-code"');

    // The button is absent, and the route refuses too (a stale page or a crafted POST).
    const refused = await post(world.client, '/client/domains/rule-case.com/epp-code');
    expect(refused.status).toBe(409);
    expect(refused.text).toContain(reason);
    expect(await db.knex('dt_audit_log').where({ action: 'transfer_out.epp_code' }).count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await world.host.close();
  });

  it('shows every rule met, and the button, for a domain in good standing', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const page = await world.client.agent.get(`/client/domains/${OURS}`);
    expect(rulesOn(page.text).map((r) => r.state)).toEqual(['met', 'met', 'met', 'met', 'met']);
    expect(page.text).toContain('Every rule is met');
    expect(page.text).toContain(`action="/client/domains/${OURS}/epp-code"`);
    await world.host.close();
  });

  it('takes the windows from config', async () => {
    const world = await createOutWorld(db, { adopt: [], config: { eligibility: { daysAfterRenewal: 5, daysAfterRegistration: 10 } } });
    const now = world.clock.now().getTime();
    await ourDomain(world, 'windows.com', { lastRenewedAt: new Date(now - 10 * DAY), createdAt: new Date(now - 20 * DAY) });
    const page = await world.client.agent.get('/client/domains/windows.com');
    const rows = rulesOn(page.text);
    expect(rows.every((r) => r.state === 'met')).toBe(true);
    expect(rows.map((r) => r.label)).toContain('Registered at least 10 days ago');
    expect(rows.map((r) => r.label)).toContain('At least 5 days since the last renewal or redemption after expiry');
    await world.host.close();
  });

  it('lists several unmet rules at once, and unlocking clears only the lock', async () => {
    const world = await createOutWorld(db, { adopt: [OURS_LOCKED] });
    await db.knex('dt_sandbox_domains').where({ name: OURS_LOCKED }).update({ last_renewed_at: world.clock.now().getTime() - 3 * DAY });
    let rows = rulesOn((await world.client.agent.get(`/client/domains/${OURS_LOCKED}`)).text);
    expect(rows.filter((r) => r.state === 'unmet')).toHaveLength(2);
    await post(world.client, `/client/domains/${OURS_LOCKED}/unlock`);
    rows = rulesOn((await world.client.agent.get(`/client/domains/${OURS_LOCKED}`)).text);
    expect(rows.filter((r) => r.state === 'unmet').map((r) => r.label)).toEqual(['At least 45 days since the last renewal or redemption after expiry']);
    await world.host.close();
  });
});

describe('maskEmail', () => {
  it.each([
    ['owner@demo-ours.com', 'o***r@demo-ours.com'],
    ['ab@example.com', 'a***@example.com'],
    ['x@example.com', 'x***@example.com'],
    ['the registrant email address on record at Legacy', 'the registrant email address on record at Legacy'],
  ])('%s → %s', (input, masked) => {
    expect(maskEmail(input)).toBe(masked);
  });
});
