import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import { RegistrarError } from '../../registrar-adapters/types.ts';
import { createOutWorld, databaseText, OURS, OURS_LOCKED, post } from './transfer-out.support.ts';

const db = useMigratedDatabase();

function codeOn(html: string): string | undefined {
  return /<code class="secret" id="epp-code-value">([^<]+)<\/code>/.exec(html)?.[1];
}

describe('a client unlocks a domain, gets its EPP code once, and locks it again', () => {
  it('round-trips the lock at the registry and hands out a code the registry accepts, stored and logged nowhere', async () => {
    const capture = createCaptureLogger();
    const world = await createOutWorld(db, { logger: capture.logger });
    const { client, registry } = world;

    let page = await client.agent.get(`/client/domains/${OURS_LOCKED}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-lock="locked"');
    expect(page.text).toContain('Unlock it below before you request the EPP code');
    expect(page.text).not.toContain(`action="/client/domains/${OURS_LOCKED}/epp-code"`);

    const unlocked = await post(client, `/client/domains/${OURS_LOCKED}/unlock`);
    expect(unlocked.status).toBe(303);
    expect(unlocked.headers.location).toBe(`/client/domains/${OURS_LOCKED}?notice=unlocked#transfer-out`);
    expect((await registry.getDomain(OURS_LOCKED))!.statuses).not.toContain('clientTransferProhibited');

    page = await client.agent.get(`/client/domains/${OURS_LOCKED}?notice=unlocked`);
    expect(page.text).toContain('data-lock="unlocked"');
    expect(page.text).toContain('The domain is unlocked.');
    // The seeds' guidance: DNS first, codes expire in 3–14 days, unlock and fetch in one sitting.
    expect(page.text).toContain('move its DNS to the new registrar');
    expect(page.text).toContain('typically within 3 to 14 days');
    expect(page.text).toContain('in the same sitting');
    expect(page.text).toContain(`action="/client/domains/${OURS_LOCKED}/epp-code"`);

    const shown = await post(client, `/client/domains/${OURS_LOCKED}/epp-code`);
    expect(shown.status).toBe(200);
    expect(shown.headers['cache-control']).toContain('no-store');
    const code = codeOn(shown.text);
    expect(code).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(shown.text).toContain('it is shown only this once');

    // The code is the registry's current one: a gaining registrar can use it, a made-up one fails.
    await expect(registry.requestTransferOut(OURS_LOCKED, 'other-registrar', { authCode: 'not-the-code' })).rejects.toBeInstanceOf(RegistrarError);
    const transfer = await registry.requestTransferOut(OURS_LOCKED, 'other-registrar', { authCode: code! });
    expect(transfer.status).toBe('pending');

    // Who, when, which domain — and nothing else.
    const audit = await db.knex('dt_audit_log').where({ action: 'transfer_out.epp_code' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_kind: 'client', actor_id: world.clientId, domain: OURS_LOCKED, detail: 'shown' });
    expect(Number(audit[0].created_at)).toBe(world.clock.now().getTime());
    expect(await databaseText(db)).not.toContain(code);
    expect(capture.text()).toContain('EPP code handed out');
    expect(capture.text()).not.toContain(code);

    // The page itself never shows the code again.
    page = await client.agent.get(`/client/domains/${OURS_LOCKED}`);
    expect(page.text).not.toContain(code);

    await registry.cancelPendingTransfer(OURS_LOCKED, 'test over');
    const locked = await post(client, `/client/domains/${OURS_LOCKED}/lock`);
    expect(locked.headers.location).toBe(`/client/domains/${OURS_LOCKED}?notice=locked#transfer-out`);
    expect((await registry.getDomain(OURS_LOCKED))!.statuses).toContain('clientTransferProhibited');
    expect(await db.knex('dt_audit_log').orderBy('id').pluck('action')).toEqual(['transfer_out.unlock', 'transfer_out.epp_code', 'transfer_out.lock']);
    await world.host.close();
  });

  it('leaves other statuses alone when locking and unlocking (clientTransferProhibited only)', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await db.knex('dt_sandbox_domains').where({ name: OURS }).update({ statuses: 'clientUpdateProhibited' });
    await post(world.client, `/client/domains/${OURS}/lock`);
    expect((await world.registry.getDomain(OURS))!.statuses.sort()).toEqual(['clientTransferProhibited', 'clientUpdateProhibited']);
    await post(world.client, `/client/domains/${OURS}/unlock`);
    expect((await world.registry.getDomain(OURS))!.statuses).toEqual(['clientUpdateProhibited']);
    await world.host.close();
  });

  it('says where the registrar emailed the code, with the address masked, when it emails codes', async () => {
    const capture = createCaptureLogger();
    const world = await createOutWorld(db, {
      logger: capture.logger,
      adopt: [OURS],
      config: { registrars: { sandbox: { adapter: 'sandbox', options: { emailEppCodes: true } } } },
    });
    const page = await world.client.agent.get(`/client/domains/${OURS}`);
    expect(page.text).toContain('registrant email on record: o***r@demo-ours.com');

    const response = await post(world.client, `/client/domains/${OURS}/epp-code`);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toContain('no-store');
    expect(response.text).toContain('emailed the EPP code to the registrant email address o***r@demo-ours.com');
    expect(response.text).not.toContain('owner@demo-ours.com');
    expect(codeOn(response.text)).toBeUndefined();
    expect(await db.knex('dt_audit_log').first('action', 'detail')).toEqual({ action: 'transfer_out.epp_code', detail: 'emailed' });
    await world.host.close();
  });

  it('shows the same flow in Chinese, in the seed’s words', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const page = await world.client.agent.get(`/client/domains/${OURS}?lang=zh-CN`);
    expect(page.text).toContain('域名转出');
    expect(page.text).toContain('获取转移密码');
    expect(page.text).toContain('域名转出时距离域名申请日（域名注册日期）60天以上');
    expect(page.text).toContain('每个域名、每位用户每小时最多获取 5 次');
    await world.host.close();
  });

  it('answers 424 and changes nothing when the registrar cannot be reached', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await world.registry.injectFault('setLock', 'transient');
    const response = await post(world.client, `/client/domains/${OURS}/lock`);
    expect(response.status).toBe(424);
    expect(response.text).toContain('We could not reach the registrar');
    expect((await world.registry.getDomain(OURS))!.statuses).not.toContain('clientTransferProhibited');
    expect(await db.knex('dt_audit_log').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await world.host.close();
  });
});
