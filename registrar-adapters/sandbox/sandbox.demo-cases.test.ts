import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { CONTRACT_CONTACTS } from '../../testing/adapter-contract.ts';
import { RegistrarError } from '../types.ts';
import { SANDBOX_DEMO_AUTH_CODE, SANDBOX_DEMO_DOMAINS, type SandboxDemoCase } from './sandbox.demo-data.ts';
import { sandboxAdapterFactory } from './index.ts';
import { SANDBOX_DEFAULT_OPTIONS } from './sandbox.options.ts';
import { createSandbox, US } from './sandbox.test-support.ts';

const db = useMigratedDatabase();

/** What the registry must say for each demo case: the words a client needs to act. */
const EXPECTED_MESSAGE: Record<SandboxDemoCase, RegExp> = {
  transferable: /./,
  locked: /demo-locked\.com is locked \(clientTransferProhibited\) at other-registrar/,
  wrong_code: /auth code given for demo-wrong-code\.com is not correct/,
  recently_registered: /demo-new\.com was registered on \d{4}-\d{2}-\d{2}.*60 days after registration/,
  recently_transferred: /demo-recent-transfer\.com was transferred on \d{4}-\d{2}-\d{2}.*60 days after a transfer/,
  expiring: /demo-expiring\.com expires on \d{4}-\d{2}-\d{2}.*within 15 days of expiry/,
  registry_lock: /serverTransferProhibited.*only the registry can lift/,
  pending_transfer: /another registrar's \(third-registrar\) transfer request pending/,
  ours_unlocked: /already sponsored by us-registrar/,
  ours_locked: /already sponsored by us-registrar/,
  ours_long_ago: /already sponsored by us-registrar/,
};

async function attempt(adapter: Awaited<ReturnType<typeof createSandbox>>['adapter'], domain: string, authCode = SANDBOX_DEMO_AUTH_CODE) {
  try {
    return { result: await adapter.transfer({ domain, authCode, contacts: CONTRACT_CONTACTS }) };
  } catch (error) {
    expect(error).toBeInstanceOf(RegistrarError);
    return { error: error as RegistrarError };
  }
}

describe('sandbox demo domains', () => {
  for (const demo of SANDBOX_DEMO_DOMAINS) {
    it(`${demo.name} (${demo.case}) answers a transfer-in with ${demo.transferOutcome}`, async () => {
      const { adapter, clock } = await createSandbox(db.knex);
      const outcome = await attempt(adapter, demo.name);
      if (demo.transferOutcome === 'pending') {
        expect(outcome.error).toBeUndefined();
        expect(outcome.result).toMatchObject({ kind: 'pending', reference: expect.stringMatching(/^sandbox-transfer-\d+$/) });
        const actionDate = outcome.result?.kind === 'pending' ? outcome.result.actionDate : undefined;
        expect(actionDate?.getTime()).toBe(clock.now().getTime() + 5 * 24 * 3600 * 1000);
      } else {
        expect(outcome.result).toBeUndefined();
        expect(outcome.error?.code).toBe(demo.transferOutcome);
        expect(outcome.error?.registrarMessage).toMatch(EXPECTED_MESSAGE[demo.case]);
      }
    });
  }

  it('the wrong-code domain refuses every code, including the demo code and an empty one', async () => {
    const { adapter } = await createSandbox(db.knex);
    for (const code of [SANDBOX_DEMO_AUTH_CODE, 'anything-else-1234', ' ']) {
      expect((await attempt(adapter, 'demo-wrong-code.com', code)).error?.code).toBe('auth_code_invalid');
    }
  });

  it('a valid-looking demo domain refuses a wrong code with auth_code_invalid', async () => {
    const { adapter } = await createSandbox(db.knex);
    expect((await attempt(adapter, 'demo-transferable.com', 'Sandbox-Demo-2025!')).error?.code).toBe('auth_code_invalid');
  });

  it('seeding twice adds nothing the second time', async () => {
    const { registry } = await createSandbox(db.knex);
    expect(await registry.seedDemoDomains()).toEqual([]);
    const [{ n }] = await db.knex('dt_sandbox_domains').count({ n: '*' });
    expect(Number(n)).toBe(SANDBOX_DEMO_DOMAINS.length);
    const [{ t }] = await db.knex('dt_sandbox_transfers').count({ t: '*' });
    expect(Number(t)).toBe(1);
  });

  it('with seedDemoDomains off, the registry starts empty', async () => {
    const { adapter } = await createSandbox(db.knex, { seedDemoDomains: false });
    expect((await attempt(adapter, 'demo-transferable.com')).error?.code).toBe('not_found');
    expect(await adapter.registry.listDomains()).toEqual([]);
  });

  it('resetDemoDomains restores a demo domain that a transfer moved', async () => {
    const { adapter, registry } = await createSandbox(db.knex);
    await attempt(adapter, 'demo-transferable.com');
    await registry.approvePendingTransfer('demo-transferable.com');
    expect((await registry.getDomain('demo-transferable.com'))?.sponsor).toBe(US);
    await registry.resetDemoDomains();
    expect((await registry.getDomain('demo-transferable.com'))?.sponsor).toBe('other-registrar');
    expect((await attempt(adapter, 'demo-transferable.com')).result?.kind).toBe('pending');
  });

  it('getDomainInfo gives public facts for another registrar\'s domain and full facts for ours', async () => {
    const { adapter, clock } = await createSandbox(db.knex);
    const theirs = await adapter.getDomainInfo('demo-transferable.com');
    expect(theirs).toMatchObject({ domain: 'demo-transferable.com', sponsoredByUs: false, registrar: 'other-registrar', statuses: ['ok'] });
    expect(theirs.registrantEmail).toBeUndefined();
    expect(theirs.createdAt!.getTime()).toBeLessThan(clock.now().getTime() - 365 * 24 * 3600 * 1000);

    const ours = await adapter.getDomainInfo('demo-ours.com');
    expect(ours).toMatchObject({ sponsoredByUs: true, registrar: US, statuses: ['ok'], registrantEmail: 'owner@demo-ours.com' });
    expect(ours.lastRenewedAt).toBeInstanceOf(Date);
    expect(ours.pendingTransferOut).toBeUndefined();

    expect((await adapter.getDomainInfo('demo-pending.org')).statuses).toContain('pendingTransfer');
    expect((await adapter.getDomainInfo('demo-ours-locked.net')).statuses).toEqual(['clientTransferProhibited']);
    await expect(adapter.getDomainInfo('nope-not-here.com')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a domain in pendingDelete is not eligible, with the status named', async () => {
    const { adapter, registry } = await createSandbox(db.knex);
    await registry.addDomain({ name: 'dying.org', statuses: ['pendingDelete'] });
    const { error } = await attempt(adapter, 'dying.org');
    expect(error?.code).toBe('not_eligible');
    expect(error?.registrarMessage).toMatch(/pendingDelete/);
  });
});

describe('sandbox options', () => {
  it('the options schema compiles under ajv strict and fills every default', () => {
    const validate = new Ajv({ strict: true, useDefaults: true }).compile(sandboxAdapterFactory.optionsSchema);
    const options = {};
    expect(validate(options)).toBe(true);
    expect(options).toEqual(SANDBOX_DEFAULT_OPTIONS);
    expect(validate({ transientErrorRate: 1.5 })).toBe(false);
    expect(validate({ autoApproveDay: 3 })).toBe(false);
  });
});
