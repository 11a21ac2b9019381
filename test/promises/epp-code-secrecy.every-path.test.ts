import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import { createTransferWorld, databaseText, payInvoice, runJobs, type TransferWorld } from '../transfer-in/transfer-in.support.ts';
import { placeUnpaidOrder } from './promises.support.ts';

const db = useMigratedDatabase();
const LATER = 2 * 60 * 60 * 1000; // past any backoff

/** Codes no other text in the suite contains, so any occurrence is a leak. */
const CODE = {
  retry: 'Retry-Path-Code-5821!',
  drop: 'Drop-Path-Code-7730#',
  hang: 'Hang-Path-Code-1194$',
  dead: 'Dead-Path-Code-6402%',
  wrong: 'Wrong-First-Code-3307&',
  corrected: 'Corrected-Code-8816*',
  unpaid: 'Unpaid-Cancel-Code-2259+',
};

interface SecretsWorld {
  world: TransferWorld;
  /** Every log line written so far, and every value in every table of ours. */
  everything(): Promise<string>;
  logLines(): string[];
}

async function createSecretsWorld(config?: Record<string, unknown>): Promise<SecretsWorld> {
  const capture = createCaptureLogger();
  const world = await createTransferWorld(db, { logger: capture.logger, config });
  return { world, everything: async () => `${capture.text()}\n${await databaseText(db)}`, logLines: capture.lines };
}

/** A domain at the sandbox registry that accepts exactly `code`. */
async function registryDomain(s: SecretsWorld, name: string, code: string): Promise<void> {
  await s.world.host.module.sandbox()!.addDomain({ name, authCode: code });
}

async function orderAndPay(s: SecretsWorld, domain: string, code: string) {
  const order = await placeUnpaidOrder(s.world, db, domain, code);
  await payInvoice(s.world, order.invoice_url);
  return order;
}

async function expectNowhere(s: SecretsWorld, codes: string[], when: string): Promise<void> {
  const text = await s.everything();
  for (const code of codes) expect(text.includes(code), `${code} appears ${when}`).toBe(false);
}

async function expectPurged(orderId: number): Promise<void> {
  const order = await db.knex('dt_transfer_orders').where({ id: orderId }).first();
  expect(order.epp_code_ciphertext).toBeNull();
  expect(order.epp_code_purged_at).not.toBeNull();
}

const retries = (domain: string) => db.knex('dt_provisioning_log').where({ domain, outcome: 'retry' }).pluck('message');

describe('the EPP code given for a transfer-in is in no log line and no table, on every path', () => {
  it('a transient registrar error, retried later and accepted', async () => {
    const s = await createSecretsWorld();
    await registryDomain(s, 'retry-path.com', CODE.retry);
    const order = await orderAndPay(s, 'retry-path.com', CODE.retry);
    await s.world.host.module.sandbox()!.injectFault('transfer', 'transient', 1);

    await runJobs(s.world);
    expect(await retries('retry-path.com')).toHaveLength(1);
    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first()).toMatchObject({ status: 'queued', attempts: 1 });
    await expectNowhere(s, [CODE.retry], 'after the retryable error');

    s.world.clock.advance(LATER);
    await runJobs(s.world);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'submitted' });
    await expectPurged(order.id);
    expect(s.logLines().length).toBeGreaterThan(0);
    await expectNowhere(s, [CODE.retry], 'after the transfer was accepted');
    await s.world.host.close();
  });

  it('a request the registry carried out whose answer was lost, confirmed on the next attempt', async () => {
    const s = await createSecretsWorld();
    await registryDomain(s, 'drop-path.com', CODE.drop);
    const order = await orderAndPay(s, 'drop-path.com', CODE.drop);
    await s.world.host.module.sandbox()!.addFault({ operation: 'transfer', kind: 'drop', times: 1 });

    await runJobs(s.world);
    expect(await retries('drop-path.com')).toHaveLength(1);
    await expectNowhere(s, [CODE.drop], 'after the lost answer');

    s.world.clock.advance(LATER);
    await runJobs(s.world);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'submitted' });
    await expectPurged(order.id);
    await expectNowhere(s, [CODE.drop], 'after the confirmation');
    await s.world.host.close();
  });

  it('a registrar that does not answer within jobs.registrarCallTimeoutMs', async () => {
    const s = await createSecretsWorld({ jobs: { runInHost: false, registrarCallTimeoutMs: 200 } });
    await registryDomain(s, 'hang-path.com', CODE.hang);
    const order = await orderAndPay(s, 'hang-path.com', CODE.hang);
    await s.world.host.module.sandbox()!.addFault({ operation: 'transfer', kind: 'hang', times: 1 });

    await runJobs(s.world);
    expect(await retries('hang-path.com')).toHaveLength(1);
    await expectNowhere(s, [CODE.hang], 'after the timeout');

    s.world.clock.advance(LATER);
    await runJobs(s.world);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'submitted' });
    await expectPurged(order.id);
    await expectNowhere(s, [CODE.hang], 'after the transfer was accepted');
    await s.world.host.close();
  });

  it('a job out of attempts: the order fails, then the client cancels it and is credited', async () => {
    const s = await createSecretsWorld({ jobs: { runInHost: false, maxAttempts: 1 } });
    await registryDomain(s, 'dead-path.com', CODE.dead);
    const order = await orderAndPay(s, 'dead-path.com', CODE.dead);
    await s.world.host.module.sandbox()!.injectFault('transfer', 'transient', 1);

    await runJobs(s.world);
    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first()).toMatchObject({ status: 'dead', attempts: 1 });
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'failed', failure_code: 'registrar_unreachable' });
    await expectNowhere(s, [CODE.dead], 'after the job died');

    const cancelled = await s.world.client.post('/client/domains/dead-path.com/transfer/cancel').type('form').send({ _csrf: s.world.csrf, confirm: 'yes' });
    expect(cancelled.status).toBe(303);
    await runJobs(s.world);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'cancelled' });
    await expectPurged(order.id);
    await expectNowhere(s, [CODE.dead], 'after the cancel and the credit');
    await s.world.host.close();
  });

  it('a code the registry refuses, then the corrected one the client sends', async () => {
    const s = await createSecretsWorld();
    await registryDomain(s, 'corrected-path.com', CODE.corrected);
    const order = await orderAndPay(s, 'corrected-path.com', CODE.wrong);

    await runJobs(s.world);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'failed', failure_code: 'auth_code_invalid' });
    await expectNowhere(s, [CODE.wrong, CODE.corrected], 'after the refusal');

    const resubmitted = await s.world.client.post('/client/domains/corrected-path.com/transfer/auth-code').type('form').send({ _csrf: s.world.csrf, eppCode: CODE.corrected });
    expect(resubmitted.status).toBe(303);
    await expectNowhere(s, [CODE.wrong, CODE.corrected], 'after the corrected code was sent');
    await runJobs(s.world);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'submitted', dispatch_count: 2 });
    await expectPurged(order.id);
    await expectNowhere(s, [CODE.wrong, CODE.corrected], 'after the transfer was accepted');
    await s.world.host.close();
  });

  it('an order the client cancels before paying', async () => {
    const s = await createSecretsWorld();
    await registryDomain(s, 'unpaid-path.com', CODE.unpaid);
    const order = await placeUnpaidOrder(s.world, db, 'unpaid-path.com', CODE.unpaid);
    const cancelled = await s.world.client.post('/client/domains/unpaid-path.com/transfer/cancel').type('form').send({ _csrf: s.world.csrf, confirm: 'yes' });
    expect(cancelled.status).toBe(303);
    await runJobs(s.world);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'cancelled' });
    await expectPurged(order.id);
    await expectNowhere(s, [CODE.unpaid], 'after the cancel');
    await s.world.host.close();
  });
});
