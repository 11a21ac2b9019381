import { describe, expect, it } from 'vitest';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs } from './transfer-in.support.ts';

const db = useMigratedDatabase();
const DOMAIN = 'demo-transferable.com';

describe('guessing EPP codes on one paid order', () => {
  it('accepts transferIn.codeResubmissionsPerOrder corrected codes, then refuses more and leaves the order to an admin', async () => {
    const world = await createTransferWorld(db, { config: { transferIn: { codeResubmissionsPerOrder: 2 } } });
    const ordered = await orderTransfer(world, DOMAIN, 'wrong-guess-0');
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);
    const resubmit = (code: string) => world.client.post(`/client/domains/${DOMAIN}/transfer/auth-code`).type('form').send({ _csrf: world.csrf, eppCode: code });

    for (const guess of ['wrong-guess-1', 'wrong-guess-2']) {
      expect((await resubmit(guess)).status).toBe(303);
      await runJobs(world);
    }
    const page = await world.client.get(`/client/domains/${DOMAIN}`);
    expect(page.text).not.toContain('/transfer/auth-code');
    expect(page.text).toContain('You have sent the 2 corrected EPP codes this order allows');

    const refused = await resubmit(SANDBOX_DEMO_AUTH_CODE);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('You have sent the 2 corrected EPP codes this order allows');
    await runJobs(world);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', code_resubmissions: 2, dispatch_count: 3 });
    // Three requests from our registrar account in all: the order's and two corrections.
    expect(await countRows(db, 'dt_provisioning_log', { domain: DOMAIN, outcome: 'failed' })).toBe(3);

    // An admin can still send it, with the code on file.
    const admin = await world.host.module.services.transferOrders.adminDispatch(DOMAIN, 'admin:test');
    expect(admin).toBeUndefined();
    expect((await db.knex('dt_transfer_orders').first()).status).toBe('queued');
  });
});
