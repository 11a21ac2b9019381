import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import { createOutWorld, OURS, OURS_CLASSIC, queuedNotices, type OutWorld } from './transfer-out.support.ts';

const db = useMigratedDatabase();
const HOUR = 60 * 60 * 1000;
const CONFIG = { policy: { profile: 'icann-revised' }, jobs: { runInHost: false, maxAttempts: 2, backoffBaseMs: 1000, backoffCapMs: 1000 } };

const runJobs = (world: OutWorld) => world.host.module.services.createWorker({ concurrency: 2 }).runUntilIdle();
const codes = (world: OutWorld) => world.host.module.services.codes;
const issue = (world: OutWorld, domain: string, extra: { ip?: string; byClient?: boolean } = {}) =>
  codes(world).recordIssued({ domain, registrarId: 'sandbox', actor: 'admin:1', clientId: world.clientId, byClient: false, ...extra });

describe('the record of each code', () => {
  it('marks a domain’s open codes as gone with it when it transfers away, and its clear job then asks nothing', async () => {
    const world = await createOutWorld(db, { adopt: [OURS, OURS_CLASSIC], config: CONFIG });
    await issue(world, OURS);
    await issue(world, OURS_CLASSIC);
    await db.knex.transaction((trx) => codes(world).transferredAway(trx, OURS));
    const rows = await db.knex('dt_auth_codes').orderBy('id').select('domain', 'cleared_at', 'clear_reason');
    expect(rows).toEqual([
      { domain: OURS, cleared_at: world.clock.now().getTime(), clear_reason: 'transferred' },
      { domain: OURS_CLASSIC, cleared_at: null, clear_reason: null },
    ]);
    world.clock.advance(337 * HOUR);
    await runJobs(world);
    expect(await db.knex('dt_auth_codes').where({ domain: OURS }).first('clear_reason')).toEqual({ clear_reason: 'transferred' });
    await world.host.close();
  });

  it('records the code a completed transfer-in used, with its actor capped, and unsets it', async () => {
    const world = await createOutWorld(db, { adopt: [OURS], config: CONFIG });
    await db.knex.transaction((trx) => codes(world).transferInCompleted(trx, OURS, 'sandbox', `system:${'y'.repeat(300)}`));
    const row = await db.knex('dt_auth_codes').first('direction', 'set_by', 'set_at', 'expires_at');
    expect(row.direction).toBe('in');
    expect(row.set_by).toBe(`system:${'y'.repeat(121)}`);
    expect(Number(row.expires_at)).toBe(Number(row.set_at));
    await runJobs(world);
    expect(await db.knex('dt_auth_codes').first('clear_reason')).toEqual({ clear_reason: 'transfer_in_completed' });
    await world.host.close();
  });

  it('shows an admin one domain’s codes, newest first, with how each ended', async () => {
    const world = await createOutWorld(db, { adopt: [OURS, OURS_CLASSIC], config: CONFIG });
    await issue(world, OURS);
    world.clock.advance(HOUR);
    await issue(world, OURS);
    await issue(world, OURS_CLASSIC);
    const history = await codes(world).history(OURS);
    expect(history.map((h) => Object.keys(h).sort())).toEqual(Array(2).fill(['clear_reason', 'cleared_at', 'direction', 'expires_at', 'last_error', 'set_at', 'set_by']));
    expect(history.map((h) => [h.clear_reason, Number(h.set_at)])).toEqual([
      [null, world.clock.now().getTime()],
      ['replaced', world.clock.now().getTime() - HOUR],
    ]);
    expect(await codes(world).history(OURS, 1)).toHaveLength(1);
    await world.host.close();
  });

  it('tells the registrant from where a code was issued, and says so when the address is unknown', async () => {
    const world = await createOutWorld(db, { adopt: [OURS, OURS_CLASSIC], config: CONFIG });
    await issue(world, OURS, { ip: '203.0.113.9', byClient: true });
    await issue(world, OURS_CLASSIC);
    expect((await queuedNotices(db)).map((n) => [n.template, n.params.ip])).toEqual([
      ['transfer_out.code_issued_by_client', '203.0.113.9'],
      ['transfer_out.code_issued_by_staff', '?'],
    ]);
    await world.host.close();
  });
});

describe('what the log says about unsetting codes', () => {
  it('names the domain, the registrar or the refusal, and why the code was unset', async () => {
    const capture = createCaptureLogger();
    const world = await createOutWorld(db, { adopt: [OURS, OURS_CLASSIC], config: CONFIG, logger: capture.logger });
    await issue(world, OURS);
    await issue(world, OURS_CLASSIC);
    await codes(world).recordIssued({ domain: 'demo-ours-locked.net', registrarId: 'no-such-registrar', actor: 'admin:1', clientId: world.clientId, byClient: false });
    await world.registry.addFault({ operation: 'clearEppCode', kind: 'error', errorCode: 'not_found', domainPattern: OURS_CLASSIC, times: 1 });
    world.clock.advance(337 * HOUR);
    await runJobs(world);
    const lines = capture.entries();
    const line = (msg: string) => lines.filter((l) => l.msg === msg).map(({ domain, registrar, code, reason, level }) => ({ domain, registrar, code, reason, level }));
    expect(line('EPP code unset at the registry')).toEqual([{ domain: OURS, reason: 'expired', level: 30 }]);
    expect(line('EPP code could not be unset')).toEqual([{ domain: OURS_CLASSIC, code: 'not_found', reason: 'expired', level: 40 }]);
    expect(line('registrar cannot unset an EPP code; it stays valid at the registry until it is replaced')).toEqual([
      { domain: 'demo-ours-locked.net', registrar: 'no-such-registrar', level: 40 },
    ]);
    await world.host.close();
  });
});
