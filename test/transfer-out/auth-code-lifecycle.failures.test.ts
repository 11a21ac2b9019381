import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { recordPendingTransferOut } from '../../module/transfer-out/pending-transfer-out.ts';
import { createOutWorld, OURS, OURS_CLASSIC, type OutWorld } from './transfer-out.support.ts';

const db = useMigratedDatabase();
const HOUR = 60 * 60 * 1000;
const CONFIG = { policy: { profile: 'icann-revised' }, jobs: { runInHost: false, maxAttempts: 2, backoffBaseMs: 1000, backoffCapMs: 1000 } };

const runJobs = (world: OutWorld) => world.host.module.services.createWorker({ concurrency: 2 }).runUntilIdle();
const rowOf = (domain: string) => db.knex('dt_auth_codes').where({ domain }).orderBy('id', 'desc').first('clear_reason', 'cleared_at', 'last_error', 'set_by');
const issue = (world: OutWorld, domain: string, actor = 'admin:1') => world.host.module.services.codes.recordIssued({ domain, registrarId: 'sandbox', actor, clientId: world.clientId, byClient: false });

describe('unsetting a code when the registrar says no', () => {
  it('tries a passing failure again and records it on the last attempt; records a final refusal at once; never fails silently', async () => {
    const world = await createOutWorld(db, { adopt: [OURS, OURS_CLASSIC], config: CONFIG });
    await issue(world, OURS);
    await issue(world, OURS_CLASSIC);
    await world.registry.addFault({ operation: 'clearEppCode', kind: 'error', errorCode: 'transient', domainPattern: OURS, times: 5 });
    await world.registry.addFault({ operation: 'clearEppCode', kind: 'error', errorCode: 'not_found', domainPattern: OURS_CLASSIC, times: 1 });
    world.clock.advance(337 * HOUR);
    await runJobs(world);
    // The passing failure is tried again later; the final one is recorded and left.
    expect(await db.knex('dt_jobs').where({ type: 'ClearEppCodeJob', status: 'queued' }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
    expect(await rowOf(OURS_CLASSIC)).toMatchObject({ cleared_at: null, clear_reason: null, last_error: expect.stringMatching(/^not_found: /) });
    world.clock.advance(2 * HOUR);
    await runJobs(world);
    expect(await rowOf(OURS)).toMatchObject({ cleared_at: null, last_error: expect.stringMatching(/^transient: /) });
    expect(await db.knex('dt_jobs').where({ type: 'ClearEppCodeJob', status: 'queued' })).toEqual([]);
    await world.host.close();
  });

  it('records a registrar that cannot unset codes as such', async () => {
    const world = await createOutWorld(db, { adopt: [OURS], config: CONFIG });
    await world.host.module.services.codes.recordIssued({ domain: OURS, registrarId: 'no-such-registrar', actor: 'admin:1', clientId: world.clientId, byClient: false });
    world.clock.advance(337 * HOUR);
    await runJobs(world);
    expect(await rowOf(OURS)).toMatchObject({ clear_reason: 'unsupported', last_error: 'registrar no-such-registrar cannot unset codes' });
    await world.host.close();
  });

  it('keeps each domain’s codes apart: a new code or an ended transfer-out touches only its own domain', async () => {
    const world = await createOutWorld(db, { adopt: [OURS, OURS_CLASSIC], config: CONFIG });
    await issue(world, OURS, `admin:${'x'.repeat(200)}`);
    await issue(world, OURS_CLASSIC);
    expect((await rowOf(OURS))!.clear_reason).toBeNull();
    expect((await rowOf(OURS))!.set_by).toHaveLength(128);
    // Both ways round, each with both codes open: whichever row the database reads first, only
    // the ended domain's code is unset.
    await world.host.module.services.codes.transferOutEnded(OURS_CLASSIC, 'sandbox');
    await runJobs(world);
    expect(await rowOf(OURS)).toMatchObject({ cleared_at: null });
    expect(await rowOf(OURS_CLASSIC)).toMatchObject({ clear_reason: 'transfer_out_ended' });
    await issue(world, OURS_CLASSIC);
    await world.host.module.services.codes.transferOutEnded(OURS, 'sandbox');
    await runJobs(world);
    expect(await rowOf(OURS_CLASSIC)).toMatchObject({ cleared_at: null });
    expect(await rowOf(OURS)).toMatchObject({ clear_reason: 'transfer_out_ended' });
    await world.host.close();
  });
});

describe('recording a pending transfer-out', () => {
  it('writes only when the registry says something new, and only on an active domain', async () => {
    const world = await createOutWorld(db, { adopt: [OURS], config: CONFIG });
    const row = await db.knex('dt_domains').where({ domain: OURS }).first();
    let writes = 0;
    const count = (q: { sql: string }) => void (q.sql.startsWith('update') && writes++);
    db.knex.on('query', count);
    try {
      const pending = { gainingRegistrar: 'other-registrar', requestedAt: new Date('2026-06-01T08:00:00Z'), actionDate: new Date('2026-06-06T08:00:00Z') };
      await recordPendingTransferOut(db.knex, row.id, row, null);
      expect(writes).toBe(0);
      await recordPendingTransferOut(db.knex, row.id, row, pending);
      expect(writes).toBe(1);
      const recorded = await db.knex('dt_domains').where({ id: row.id }).first();
      expect([recorded.transfer_out_gaining, Number(recorded.transfer_out_requested_at)]).toEqual(['other-registrar', pending.requestedAt.getTime()]);
      await recordPendingTransferOut(db.knex, row.id, recorded, pending);
      expect(writes).toBe(1);
      // A later request from the same registrar is news.
      await recordPendingTransferOut(db.knex, row.id, recorded, { ...pending, requestedAt: new Date('2026-06-01T09:00:00Z') });
      expect(writes).toBe(2);
      // So is another registrar asking at the same moment; its name is kept to the column's 128 characters.
      await recordPendingTransferOut(db.knex, row.id, recorded, { ...pending, gainingRegistrar: `r${'e'.repeat(199)}` });
      expect(writes).toBe(3);
      expect((await db.knex('dt_domains').where({ id: row.id }).first('transfer_out_gaining')).transfer_out_gaining).toBe(`r${'e'.repeat(127)}`);
      await recordPendingTransferOut(db.knex, row.id, { ...recorded, transfer_out_requested_at: String(new Date('2026-06-01T09:00:00Z').getTime()) }, null);
      expect(await db.knex('dt_domains').where({ id: row.id }).first('transfer_out_gaining', 'transfer_out_requested_at')).toEqual({ transfer_out_gaining: null, transfer_out_requested_at: null });
      // A domain that is no longer active is not written.
      await db.knex('dt_domains').where({ id: row.id }).update({ status: 'transferred_away' });
      await recordPendingTransferOut(db.knex, row.id, { transfer_out_gaining: null, transfer_out_requested_at: null }, pending);
      expect((await db.knex('dt_domains').where({ id: row.id }).first()).transfer_out_gaining).toBeNull();
    } finally {
      db.knex.off('query', count);
    }
    await world.host.close();
  });
});
