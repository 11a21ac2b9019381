import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { buildOutHost, createOutWorld, DEMO, OURS, post, session, type OutWorld } from './transfer-out.support.ts';
import { createTransferWorld, databaseText, orderTransfer, payInvoice, runJobs as runTransferJobs } from '../transfer-in/transfer-in.support.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';

const db = useMigratedDatabase();
const HOUR = 60 * 60 * 1000;
// The revised Transfer Policy: codes valid 14 days (336 hours).
const REVISED = { policy: { profile: 'icann-revised', codeIssuedNotice: false } };

const runJobs = (world: Pick<OutWorld, 'host'>) => world.host.module.services.createWorker({ concurrency: 2 }).runUntilIdle();
const codeRows = () => db.knex('dt_auth_codes').orderBy('id').select('domain', 'direction', 'set_by', 'expires_at', 'cleared_at', 'clear_reason');
const codeAtRegistry = async () => (await db.knex('dt_sandbox_domains').where({ name: OURS }).first('auth_code_hash')).auth_code_hash as string | null;

async function issueCode(world: OutWorld): Promise<string> {
  const answer = await post(world.client, `/client/domains/${OURS}/epp-code`);
  expect(answer.status).toBe(200);
  const code = /<code class="secret" id="epp-code-value">([^<]+)<\/code>/.exec(answer.text)?.[1];
  expect(code).toBeTruthy();
  return code!;
}

describe('RFC 9154: a code we issue lives only as long as it is needed', () => {
  it('is recorded without the code, and unset with <domain:null/> when its 14 days are up, across a restart', async () => {
    const world = await createOutWorld(db, { adopt: [OURS], config: REVISED });
    const code = await issueCode(world);
    const issuedAt = world.clock.now().getTime();
    expect(await codeRows()).toEqual([{ domain: OURS, direction: 'out', set_by: `client:${world.clientId}`, expires_at: issuedAt + 336 * HOUR, cleared_at: null, clear_reason: null }]);
    expect(await codeAtRegistry()).not.toBeNull();
    expect(await databaseText(db)).not.toContain(code);

    // Nothing happens before it is due.
    world.clock.advance(335 * HOUR);
    await runJobs(world);
    expect(await codeAtRegistry()).not.toBeNull();

    // The process stops; another starts on the same database after the expiry.
    await world.host.close();
    const clock = world.clock;
    clock.advance(2 * HOUR);
    const restarted = buildOutHost(db, clock, { config: REVISED });
    await restarted.module.start();
    await runJobs({ host: restarted });
    expect(await codeAtRegistry()).toBeNull();
    expect(await codeRows()).toEqual([expect.objectContaining({ cleared_at: clock.now().getTime(), clear_reason: 'expired' })]);
    // The code that was shown opens no transfer any more.
    await expect(restarted.module.sandbox()!.requestTransferOut(OURS, 'other-registrar', { authCode: code })).rejects.toMatchObject({ code: 'auth_code_invalid' });
    await restarted.close();
  });

  it('a newer code replaces the older one: the older one’s expiry does nothing, the newer one’s unsets it', async () => {
    const world = await createOutWorld(db, { adopt: [OURS], config: REVISED });
    await issueCode(world);
    world.clock.advance(HOUR);
    // The hourly allowance is per person: the admin asks this time.
    const admin = await session(world.host, DEMO.admin, '/admin/domains');
    expect((await post(admin, `/admin/domains/${OURS}/epp-code`)).status).toBe(200);
    expect((await codeRows()).map((r) => r.clear_reason)).toEqual(['replaced', null]);
    world.clock.advance(335 * HOUR + 1);
    await runJobs(world);
    // The first expiry passed: the second code still stands.
    expect(await codeAtRegistry()).not.toBeNull();
    world.clock.advance(HOUR);
    await runJobs(world);
    expect(await codeAtRegistry()).toBeNull();
    expect((await codeRows()).map((r) => r.clear_reason)).toEqual(['replaced', 'expired']);
    await world.host.close();
  });

  it('is unset at once when the transfer-out it was for is rejected or cancelled', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const code = await issueCode(world);
    await world.registry.requestTransferOut(OURS, 'other-registrar', { authCode: code });
    expect((await post(world.client, `/client/domains/${OURS}/transfer-out/cancel`)).status).toBe(303);
    await runJobs(world);
    expect(await codeAtRegistry()).toBeNull();
    expect((await codeRows()).map((r) => r.clear_reason)).toEqual(['transfer_out_ended']);
    // Admins see each code's life on the domain page; the client page does not list them.
    const admin = await session(world.host, DEMO.admin, '/admin/domains');
    const page = (await admin.agent.get(`/admin/domains/${OURS}`)).text;
    expect(page).toContain('data-transfer-out="codes"');
    expect(page).toContain('the transfer-out was rejected or cancelled');
    expect((await world.client.agent.get(`/client/domains/${OURS}`)).text).not.toContain('data-transfer-out="codes"');
    await world.host.close();
  });

  it('is not touched once the domain has left (the registry unsets it), and is only recorded as such', async () => {
    const world = await createOutWorld(db, { adopt: [OURS], config: { sync: { enabled: false } } });
    const code = await issueCode(world);
    await world.registry.requestTransferOut(OURS, 'other-registrar', { authCode: code });
    expect((await post(world.client, `/client/domains/${OURS}/transfer-out/approve`)).status).toBe(303);
    await (await world.host.module.services.sync.runNow({ trigger: 'cli' })).done;
    expect((await db.knex('dt_domains').where({ domain: OURS }).first()).status).toBe('transferred_away');
    expect((await codeRows()).map((r) => r.clear_reason)).toEqual(['transferred']);
    world.clock.advance(400 * HOUR);
    await runJobs(world);
    expect((await codeRows()).map((r) => r.clear_reason)).toEqual(['transferred']);
    await world.host.close();
  });
});

describe('RFC 9154: the code a transfer-in used', () => {
  it('is unset by us once the domain is ours, so the code that moved it cannot move it again', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(world, ordered.headers.location!);
    await runTransferJobs(world);
    await world.host.module.sandbox()!.approvePendingTransfer('demo-transferable.com');
    await (await world.host.module.services.sync.runNow({ trigger: 'cli' })).done;
    expect((await db.knex('dt_domains').where({ domain: 'demo-transferable.com' }).first()).status).toBe('active');
    // The registry may have left a code on the domain: ours to unset now that we sponsor it.
    await runTransferJobs(world);
    expect((await db.knex('dt_sandbox_domains').where({ name: 'demo-transferable.com' }).first('auth_code_hash')).auth_code_hash).toBeNull();
    expect(await db.knex('dt_auth_codes').select('domain', 'direction', 'clear_reason')).toEqual([{ domain: 'demo-transferable.com', direction: 'in', clear_reason: 'transfer_in_completed' }]);
    await world.host.close();
  });
});
