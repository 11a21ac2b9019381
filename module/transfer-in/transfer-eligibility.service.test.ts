import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { createTransferWorld, type TransferWorld } from '../../test/transfer-in/transfer-in.support.ts';
import { clientIdOf, DEMO } from '../../host/test/host.test-support.ts';
import { AppError } from '../errors.ts';
import { normalizeDomain } from './domain-name.ts';
import { TransferRefusedError } from './transfer-eligibility.service.ts';

/**
 * The eligibility check as the order service, the bulk import and the API call it: what each
 * refusal says (key, values, the form field at fault) and what a quote holds. Against the
 * reference host's sandbox and a real database; the order page's own tests show the messages.
 */
const db = useMigratedDatabase();

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  const e = error as AppError;
  return { name: e.name, status: e.status, key: e.messageKey, params: e.params, field: e.field };
}

async function world(config: Record<string, unknown> = {}): Promise<TransferWorld & { clientId: string; check: (domain: string) => Promise<unknown> }> {
  const w = await createTransferWorld(db, { config });
  const clientId = await clientIdOf(w.host, DEMO.client.email);
  return { ...w, clientId, check: (domain: string) => w.host.module.services.eligibility.check(normalizeDomain(domain), clientId) };
}

describe('transfer eligibility', () => {
  it('quotes the routed registrar, the price and currency of the most specific priced suffix', async () => {
    const w = await world({ pricing: { currency: 'EUR', transferFee: { com: 1099, net: 1599 } } });
    expect(await w.check('demo-transferable.com')).toMatchObject({ domain: 'demo-transferable.com', registrarId: 'sandbox', amountMinor: 1099, currency: 'EUR', suffix: 'com' });
    expect(w.host.module.services.eligibility.prices()).toEqual({ com: 1099, net: 1599 });
    expect(w.host.module.services.eligibility.currency()).toBe('EUR');
    await w.host.close();
  });

  it('refuses an unrouted or unpriced TLD on the domain field, naming the TLD', async () => {
    const w = await world({ tldRouting: { com: 'sandbox', net: 'sandbox' }, pricing: { currency: 'USD', transferFee: { com: 1099 } } });
    expect(await refusal(w.check('example.org'))).toEqual({ name: 'InputError', status: 422, key: 'rules:tld_not_offered', params: { tld: 'org' }, field: 'domain' });
    expect(await refusal(w.check('demo-registry-lock.net'))).toEqual({ name: 'InputError', status: 422, key: 'rules:tld_not_priced', params: { tld: 'net' }, field: 'domain' });
    await w.host.close();
  });

  it('refuses a name the registry does not hold, and one already ours, naming it', async () => {
    const w = await world();
    expect(await refusal(w.check('nobody-has-this.com'))).toEqual({ name: 'InputError', status: 422, key: 'rules:not_registered', params: { domain: 'nobody-has-this.com' }, field: 'domain' });
    expect(await refusal(w.check('demo-ours.com'))).toEqual({ name: 'ConflictError', status: 409, key: 'rules:already_ours', params: { domain: 'demo-ours.com' }, field: undefined });
    await w.host.close();
  });

  it('refuses on every unmet transfer rule, the first as the message, on the domain field', async () => {
    const w = await world();
    const error = await w.check('demo-locked.com').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferRefusedError);
    const refused = error as TransferRefusedError;
    expect({ name: refused.name, status: refused.status, key: refused.messageKey, field: refused.field }).toEqual({ name: 'TransferRefusedError', status: 422, key: `rules:${refused.reasons[0]!.rule}`, field: 'domain' });
    expect(refused.params).toEqual(refused.reasons[0]!.params);
    expect(refused.reasons.length).toBeGreaterThan(0);
    await w.host.close();
  });

  it('passes the registry’s refusal to answer on the domain field, with its words', async () => {
    const w = await world();
    await w.host.module.sandbox()!.injectFault('getDomainInfo', 'not_authorized', 1);
    expect(await refusal(w.check('demo-transferable.com'))).toEqual({
      name: 'InputError',
      status: 422,
      key: 'rules:registry_refused',
      params: { message: 'Injected fault: the sandbox registry failed getDomainInfo with not_authorized.' },
      field: 'domain',
    });
    await w.host.close();
  });

  it('names a held name only to the client who holds it: an open order, a pending or an active domain', async () => {
    const w = await world();
    const other = await clientIdOf(w.host, DEMO.otherClient.email);
    const eligibility = w.host.module.services.eligibility;
    const at = Date.now();
    await db.knex('dt_domains').insert([
      { domain: 'demo-transferable.com', client_id: w.clientId, registrar_id: 'sandbox', status: 'pending', status_changed_at: at, created_at: at, updated_at: at },
      { domain: 'demo-expiring.com', client_id: w.clientId, registrar_id: 'sandbox', status: 'active', status_changed_at: at, created_at: at, updated_at: at },
      { domain: 'demo-new.com', client_id: w.clientId, registrar_id: 'sandbox', status: 'cancelled', status_changed_at: at, created_at: at, updated_at: at },
    ]);
    const mine = (domain: string) => refusal(eligibility.check(normalizeDomain(domain), w.clientId));
    const theirs = (domain: string) => refusal(eligibility.check(normalizeDomain(domain), other));
    expect(await mine('demo-transferable.com')).toMatchObject({ status: 409, key: 'rules:open_transfer_exists', params: { domain: 'demo-transferable.com' } });
    expect(await mine('demo-expiring.com')).toMatchObject({ status: 409, key: 'rules:already_managed', params: { domain: 'demo-expiring.com' } });
    expect(await theirs('demo-transferable.com')).toMatchObject({ status: 409, key: 'rules:not_available', params: { domain: 'demo-transferable.com' } });
    expect(await theirs('demo-expiring.com')).toMatchObject({ status: 409, key: 'rules:not_available' });
    // A cancelled domain holds nothing: the name is checked at the registry as any other.
    await expect(eligibility.check(normalizeDomain('demo-new.com'), other)).rejects.toBeInstanceOf(TransferRefusedError);
    expect(await eligibility.openHolders(['demo-transferable.com', 'demo-expiring.com', 'demo-new.com', 'elsewhere.com'])).toEqual(
      new Map([
        ['demo-transferable.com', { clientId: w.clientId, managed: false }],
        ['demo-expiring.com', { clientId: w.clientId, managed: true }],
      ]),
    );
    await w.host.close();
  });
});
