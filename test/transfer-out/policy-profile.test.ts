import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { resolveConfig } from '../../module/config.ts';
import { factoryMap } from '../../registrar-adapters/registry.ts';
import { testModuleConfig } from '../../host/test/host.test-support.ts';
import { createOutWorld, DEMO, OURS, post, session, type OutWorld } from './transfer-out.support.ts';

const db = useMigratedDatabase();
const DAY = 24 * 60 * 60 * 1000;

const resolved = (extra: Record<string, unknown>) => resolveConfig({ ...testModuleConfig(), ...extra }, factoryMap());

/** The transfer-out rules table as rendered: each row's label and state. */
const rulesOn = (html: string) => [...html.matchAll(/<tr data-rule-state="(\w+)">\s*<td>([^<]+)<\/td>/g)].map((m) => ({ state: m[1]!, label: m[2]! }));

async function domainTransferredAgo(world: OutWorld, name: string, days: number): Promise<void> {
  const now = world.clock.now().getTime();
  await world.registry.addDomain({ name, sponsor: world.registry.registrarId, authCode: null, createdAt: new Date(now - 3 * 365 * DAY), expiresAt: new Date(now + 200 * DAY), lastTransferredAt: new Date(now - days * DAY) });
  await world.host.module.services.adoptDomain({ domain: name, clientId: world.clientId, registrarId: 'sandbox' });
}

describe('policy.profile: the ICANN Transfer Policy in force, as one switch', () => {
  it('sets every window, the code lifetime and the notice at once, each still overridable, and the rules name the window in force', async () => {
    expect(resolved({}).policy).toEqual({ profile: 'icann-2016', codeIssuedNotice: false });
    for (const [profile, days, ttl, notice] of [
      ['icann-2016', 60, 720, false],
      ['icann-revised', 30, 336, true],
    ] as const) {
      const config = resolved({ policy: { profile } });
      expect(config.eligibility).toMatchObject({ daysAfterRegistration: days, daysAfterTransfer: days, daysBeforeExpiry: 15, daysAfterRenewal: 45 });
      expect(config.transferOut.codeTtlHours).toBe(ttl);
      expect(config.policy.codeIssuedNotice).toBe(notice);
    }
    const overridden = resolved({ policy: { profile: 'icann-revised', codeIssuedNotice: false }, eligibility: { daysAfterTransfer: 45 }, transferOut: { codeTtlHours: 48 } });
    expect([overridden.eligibility.daysAfterRegistration, overridden.eligibility.daysAfterTransfer, overridden.transferOut.codeTtlHours, overridden.policy.codeIssuedNotice]).toEqual([30, 45, 48, false]);
    expect(() => resolved({ policy: { profile: 'icann-2030' } })).toThrow(/policy\.profile/);

    // A domain transferred 40 days ago: not yet under the 2016 policy, free under the revised one.
    for (const [profile, state, label] of [
      ['icann-2016', 'unmet', 'At least 60 days since the last transfer between registrars'],
      ['icann-revised', 'met', 'At least 30 days since the last transfer between registrars'],
    ] as const) {
      const world = await createOutWorld(db, { adopt: [], config: { policy: { profile } } });
      await domainTransferredAgo(world, `moved-${profile}.com`, 40);
      const rows = rulesOn((await world.client.agent.get(`/client/domains/moved-${profile}.com`)).text);
      expect(rows).toContainEqual({ state, label });
      await world.host.close();
      await db.knex('dt_sandbox_domains').where({ name: `moved-${profile}.com` }).delete();
      await db.knex('dt_domains').where({ domain: `moved-${profile}.com` }).delete();
    }
  });
});

describe('the code-issued notice (icann-revised)', () => {
  it('tells the registrant when, by whom and from where a code was issued, in their language', async () => {
    const world = await createOutWorld(db, { adopt: [OURS], config: { policy: { profile: 'icann-revised' } } });
    expect((await post(world.client, `/client/domains/${OURS}/epp-code`)).status).toBe(200);
    await world.host.module.services.createWorker({ concurrency: 1 }).runUntilIdle();
    // An admin issues the next one, for a registrant who reads Chinese.
    await db.knex('host_users').where({ client_id: world.clientId }).update({ locale: 'zh-CN' });
    world.clock.advance(60 * 60 * 1000);
    const admin = await session(world.host, DEMO.admin, '/admin/domains');
    expect((await post(admin, `/admin/domains/${OURS}/epp-code`)).status).toBe(200);
    await world.host.module.services.createWorker({ concurrency: 1 }).runUntilIdle();

    const sent = await db.knex('host_outbox').whereIn('template', ['transfer_out.code_issued_by_client', 'transfer_out.code_issued_by_staff']).orderBy('id').select('template', 'recipient_kind', 'subject', 'body');
    expect(sent.map((m) => [m.template, m.recipient_kind])).toEqual([
      ['transfer_out.code_issued_by_client', 'client'],
      ['transfer_out.code_issued_by_staff', 'client'],
    ]);
    expect(sent[0].body).toContain(`An EPP (transfer) code for ${OURS} was issued from your account on 2026-06-01 09:00 UTC, from the address`);
    expect(sent[0].body).toContain('until 2026-06-15 09:00 UTC');
    expect(sent[0].body).toContain('If this was not you, lock the domain');
    expect(sent[0].body).toMatch(/from the address (::ffff:)?127\.0\.0\.1/);
    expect(sent[1].subject).toBe(`我们的工作人员签发了 ${OURS} 的 EPP 代码`);
    expect(sent[1].body).toContain('我们的工作人员于 2026-06-01 10:00 UTC');
    // Under the 2016 profile nobody is told.
    await world.host.close();
    await db.knex('host_outbox').delete();
    const quiet = await createOutWorld(db, { adopt: [], config: { policy: { profile: 'icann-2016' } } });
    expect((await post(quiet.client, `/client/domains/${OURS}/epp-code`)).status).toBe(200);
    await quiet.host.module.services.createWorker({ concurrency: 1 }).runUntilIdle();
    expect(await db.knex('host_outbox').where('template', 'like', 'transfer_out.code_issued%')).toEqual([]);
    await quiet.host.close();
  });
});
