import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistrarError as OurRegistrarError, isRegistrarError } from '../../registrar-adapters/index.ts';
import type { RegistrarAdapter, RegistrarAdapterFactory } from '../../registrar-adapters/index.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { embedModule } from '../support/embedded-platform.ts';

const db = useMigratedDatabase();

// A second copy of the error's module: what a host gets when an adapter package brings its own
// copy of domain-transfers. Its class is not ours, so `instanceof` alone would tell them apart.
const copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-second-copy-'));
fs.copyFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../registrar-adapters/registrar-error.ts'), path.join(copyDir, 'registrar-error.ts'));
const secondCopy: typeof import('../../registrar-adapters/registrar-error.ts') = await import(path.join(copyDir, 'registrar-error.ts'));
afterAll(() => fs.rmSync(copyDir, { recursive: true, force: true }));

/** A registrar of a host's own, built against the second copy. */
function customFactory(transferError: () => Error): RegistrarAdapterFactory {
  return {
    type: 'custom',
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    create(id): RegistrarAdapter {
      const fail = async (): Promise<never> => {
        throw new secondCopy.RegistrarError('unsupported', 'not offered');
      };
      return {
        id,
        label: 'Custom registrar',
        transfer: async () => {
          throw transferError();
        },
        getTransferStatus: fail,
        getDomainInfo: async (domain) => ({ domain, sponsoredByUs: false, registrar: 'elsewhere', statuses: ['ok'], createdAt: new Date('2020-01-01'), expiresAt: new Date('2030-01-01') }),
        getEppCode: fail,
        setLock: fail,
        getLock: fail,
      };
    },
  };
}

async function transferThroughCustomRegistrar(transferError: () => Error) {
  const platform = await embedModule(db, {
    config: {
      registrars: { sandbox: { adapter: 'sandbox' }, custom: { adapter: 'custom' } },
      tldRouting: { com: 'sandbox', io: 'custom' },
      pricing: { currency: 'USD', transferFee: { com: 1099, io: 500 } },
    },
    moduleOptions: { adapterFactories: [customFactory(transferError)] },
  });
  const as = platform.as({ kind: 'client', clientId: platform.clientId, sessionId: 'session-brand-00001' });
  const form = await request(platform.app).get('/client/order/domain?action=transfer').set(as);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
  const ordered = await request(platform.app).post('/client/order/domain?action=transfer').set(as).type('form').send({ _csrf: csrf, domain: 'brand-check.io', eppCode: 'Some-Code-1234' });
  expect(ordered.status).toBe(303);
  const order = await db.knex('dt_transfer_orders').first();
  await platform.pay(Number(order.invoice_id));
  await platform.module.createWorker().runUntilIdle();
  return {
    order: await db.knex('dt_transfer_orders').where({ id: order.id }).first(),
    job: await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first(),
  };
}

describe('a RegistrarError from another copy of the package', () => {
  it('is a RegistrarError here: instanceof and isRegistrarError agree, and so does the code', () => {
    const foreign = new secondCopy.RegistrarError('auth_code_invalid', 'The auth code does not match.');
    expect(secondCopy.RegistrarError).not.toBe(OurRegistrarError);
    expect(foreign instanceof OurRegistrarError).toBe(true);
    expect(isRegistrarError(foreign)).toBe(true);
    expect(isRegistrarError(Object.assign(new Error('x'), { code: 'auth_code_invalid', registrarMessage: 'x' }))).toBe(false);
  });

  it("ends the transfer at once when a custom adapter's copy says auth_code_invalid: final, not retried", async () => {
    const { order, job } = await transferThroughCustomRegistrar(() => new secondCopy.RegistrarError('auth_code_invalid', 'The auth code does not match.', { rawCode: 2202 }));
    expect(order).toMatchObject({ status: 'failed', failure_code: 'auth_code_invalid', failure_reason: 'The auth code does not match.' });
    expect(job).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('retries a transient error from that copy, as it would one of ours', async () => {
    const { order, job } = await transferThroughCustomRegistrar(() => new secondCopy.RegistrarError('transient', 'registry maintenance'));
    expect(order.status).toBe('queued');
    expect(job).toMatchObject({ status: 'queued', attempts: 1 });
    expect(job.last_error).toBe('transient: registry maintenance');
  });
});
