import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { AlibabaMockApi } from '../support/alibaba-cloud/alibaba-mock.server.ts';
import { countRows, createAlibabaTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

/**
 * A client asks for the registrant's transfer confirmation email again and the registrar does
 * not send it: the client reads the registrar's reason on the domain page (409), or is told to
 * try later when the registrar is down (503). Neither counts as a resend, so asking again is
 * not held back by the five-minute limit.
 */
const db = useMigratedDatabase();
const DOMAIN = 'shop.cn';
let api: AlibabaMockApi;

beforeEach(async () => {
  api = await AlibabaMockApi.start();
});
afterEach(async () => {
  await api.close();
});

/** A .cn transfer at the Alibaba Cloud stand-in, waiting for the registrant to confirm by email. */
async function awaitingEmail(): Promise<TransferWorld> {
  const world = await createAlibabaTransferWorld(db, api);
  api.state.addForeign(DOMAIN, { code: 'First-Code-1' });
  const ordered = await orderTransfer(world, DOMAIN, 'First-Code-1');
  expect(ordered.status).toBe(303);
  await payInvoice(world, ordered.headers.location!);
  await runJobs(world);
  await (await world.host.module.services.sync.runNow({ trigger: 'cli' })).done;
  expect(await db.knex('dt_domains').where({ domain: DOMAIN }).first()).toMatchObject({ status: 'pending', awaiting: 'registrant_email' });
  return world;
}

const resend = (world: TransferWorld) => world.client.post(`/client/domains/${DOMAIN}/transfer/resend-email`).type('form').send({ _csrf: world.csrf });
const resendsLogged = () => countRows(db, 'dt_provisioning_log', { domain: DOMAIN, action: 'transfer.resend_email' });

describe('asking for the confirmation email again, refused by the registrar', () => {
  it('shows the registrar’s reason beside the button (409), and nothing counts as sent', async () => {
    const world = await awaitingEmail();
    // The registrant confirmed at the registry a moment ago; our page has not synced yet.
    api.state.advanceTransferIn(DOMAIN, 31);

    const refused = await resend(world);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('The registrar did not send the email again: TransferInResendMailToken: DomainTransferPendingNotExist: No transfer-in waits for the email.');
    expect(await resendsLogged()).toBe(0);
    expect(api.state.latestTransferIn(DOMAIN)!.mailsSent).toBe(1);
    await world.host.close();
  });

  it('answers 503 while the registrar is down, and the client may ask again as soon as it is back', async () => {
    const world = await awaitingEmail();
    api.fail('unavailable', 4);

    const down = await resend(world);
    expect(down.status).toBe(503);
    expect(await resendsLogged()).toBe(0);

    const again = await resend(world);
    expect(again.status).toBe(303);
    expect(api.state.latestTransferIn(DOMAIN)!.mailsSent).toBe(2);
    expect(await db.knex('dt_provisioning_log').where({ domain: DOMAIN, action: 'transfer.resend_email' }).select('outcome', 'message')).toEqual([{ outcome: 'ok', message: 'asked by the client' }]);
    await world.host.close();
  });
});
