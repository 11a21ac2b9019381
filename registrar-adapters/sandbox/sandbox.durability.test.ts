import { afterEach, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createKnex } from '../../module/database.ts';
import { CONTRACT_CONTACTS } from '../../testing/adapter-contract.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { createMigratedDatabase, type TestDatabase } from '../../test/support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from './sandbox.demo-data.ts';
import { createSandbox } from './sandbox.test-support.ts';

const DAY = 24 * 60 * 60 * 1000;
let db: TestDatabase | undefined;
let reopened: Knex | undefined;

afterEach(async () => {
  await reopened?.destroy();
  await db?.destroy();
  reopened = undefined;
  db = undefined;
});

describe('sandbox registry state survives a restart', () => {
  it('a second process on the same database sees transfers, locks, codes and queued messages', async () => {
    db = await createMigratedDatabase();
    const clock = new FakeClock();
    const first = await createSandbox(db.knex, {}, clock);
    const requested = await first.adapter.transfer({ domain: 'demo-transferable.com', authCode: SANDBOX_DEMO_AUTH_CODE, contacts: CONTRACT_CONTACTS });
    await first.adapter.setLock('demo-ours.com', true);
    const epp = await first.adapter.getEppCode('demo-ours-classic.org');
    await expect(first.registry.requestTransferOut('demo-ours.com', 'other-registrar')).rejects.toMatchObject({ code: 'transfer_prohibited' });
    await first.registry.simulateTransferAway('demo-ours-locked.net', 'third-registrar');
    await db.knex.destroy();

    reopened = createKnex(db.target);
    const second = await createSandbox(reopened, {}, clock);
    expect(await second.registry.seedDemoDomains()).toEqual([]);
    expect(await second.adapter.getTransferStatus('demo-transferable.com')).toMatchObject({ kind: 'pending', reference: requested.reference });
    expect(await second.adapter.getLock('demo-ours.com')).toBe(true);
    expect((await second.adapter.getDomainInfo('demo-ours-locked.net')).sponsoredByUs).toBe(false);
    if (epp.kind !== 'code') throw new Error('expected a code');
    // The code set before the restart still admits a transfer-out.
    const out = await second.registry.requestTransferOut('demo-ours-classic.org', 'other-registrar', { authCode: epp.code });
    expect(out.status).toBe('pending');

    clock.advance(5 * DAY);
    expect((await second.adapter.getTransferStatus('demo-transferable.com')).kind).toBe('completed');
    const events = await second.adapter.poll();
    expect(events.map((e) => `${e.domain} ${e.direction} ${e.status.kind}`).sort()).toEqual([
      'demo-ours-classic.org out completed',
      'demo-ours-locked.net out completed',
      'demo-transferable.com in completed',
    ]);
  });
});

describe('sandbox bulk insert', () => {
  it('adds 100,000 domains in seconds, and they behave like any other domain', async () => {
    db = await createMigratedDatabase();
    const { registry, adapter } = await createSandbox(db.knex, { seedDemoDomains: false });
    const rows = Array.from({ length: 100_000 }, (_, i) => ({ name: `bulk-${i}.com`, sponsor: i % 2 ? 'us-registrar' : 'other-registrar' }));
    const started = Date.now();
    expect(await registry.addDomains(rows)).toBe(100_000);
    const elapsed = Date.now() - started;
    const [{ n }] = await db.knex('dt_sandbox_domains').count({ n: '*' });
    expect(Number(n)).toBe(100_000);
    expect(elapsed).toBeLessThan(20_000);
    expect((await adapter.getDomainInfo('bulk-99999.com')).sponsoredByUs).toBe(true);
    expect((await adapter.transfer({ domain: 'bulk-4.com', authCode: SANDBOX_DEMO_AUTH_CODE, contacts: CONTRACT_CONTACTS })).kind).toBe('pending');
  }, 60_000);
});
