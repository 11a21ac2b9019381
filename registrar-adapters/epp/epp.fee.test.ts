import { afterEach, describe, expect, it } from 'vitest';
import { startEppFixture, type EppFixture } from '../../test/support/epp-registry/epp-registry.fixture.ts';
import { parseEppMessage, type EppResponse } from './epp.response.ts';
import { acceptTransferFee, readTransferFee } from './epp.fee.ts';
import { RegistrarError } from '../registrar-error.ts';
import type { EppOptions } from './epp.options.ts';
import type { TransferRequest } from '../types.ts';

const FEE = 'urn:ietf:params:xml:ns:epp:fee-1.0';
const AUTH = 'Tr4nsfer-c0de';
const request = (domain: string, periodYears?: number): TransferRequest => ({
  domain,
  authCode: AUTH,
  periodYears,
  contacts: { registrant: { name: 'Ada', email: 'ada@example.test', address: { street: ['1 Road'], city: 'X', postcode: '1', countryCode: 'GB' } } },
});

let f: EppFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function fixture(adapter: Partial<EppOptions> = {}) {
  f = await startEppFixture({ adapter });
  f.registry.state.addDomain({ name: 'plain.test', clID: 'other-registrar', authInfo: AUTH });
  f.registry.state.addDomain({ name: 'premium.test', clID: 'other-registrar', authInfo: AUTH, transferFee: { amount: '120.00', feeClass: 'premium-tier-2' } });
  return f;
}

const sent = (fx: EppFixture, pattern: RegExp) => fx.registry.frames.filter((x) => pattern.test(x.xml));

describe('RFC 8748 transfer fees', () => {
  it('asks the price of a standard domain first and acknowledges it in the request, on the same session', async () => {
    const fx = await fixture();
    const result = await fx.adapter.transfer(request('plain.test', 2));
    expect(result.kind).toBe('pending');
    expect(fx.registry.frames[0]!.xml).toContain(`<extURI>${FEE}</extURI>`);
    const [check] = sent(fx, /<domain:check/);
    expect(check!.xml).toContain('<fee:command name="transfer"><fee:period unit="y">2</fee:period></fee:command>');
    const [requestFrame] = sent(fx, /<transfer op="request"/);
    expect(requestFrame!.xml).toContain('<extension><fee:transfer xmlns:fee="urn:ietf:params:xml:ns:epp:fee-1.0"><fee:currency>USD</fee:currency><fee:fee>16.00</fee:fee></fee:transfer></extension>');
    expect(fx.registry.state.charges).toEqual([{ clID: 'test-registrar', name: 'plain.test', amount: '16.00', currency: 'USD' }]);
    expect(await fx.registry.schemaFailures()).toEqual([]);
  });

  it('refuses a premium price when no limit is set: no request is sent and nothing is charged', async () => {
    const fx = await fixture();
    const error = await fx.adapter.transfer(request('premium.test')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrarError);
    expect(error).toMatchObject({ code: 'premium_price', retryable: false });
    expect((error as RegistrarError).registrarMessage).toContain('120.00 USD');
    expect((error as RegistrarError).registrarMessage).toContain('premium-tier-2');
    expect(sent(fx, /<transfer op="request"/)).toEqual([]);
    expect(fx.registry.state.charges).toEqual([]);
    expect(await fx.registry.schemaFailures()).toEqual([]);
  });

  it('acknowledges a premium price within maxTransferFee, and refuses one above it or in another currency', async () => {
    const within = await fixture({ maxTransferFee: { amount: '120', currency: 'USD' } });
    await within.adapter.transfer(request('premium.test'));
    expect(within.registry.state.charges).toEqual([{ clID: 'test-registrar', name: 'premium.test', amount: '120.00', currency: 'USD' }]);
    await within.close();

    const above = await fixture({ maxTransferFee: { amount: '119.99', currency: 'USD' } });
    await expect(above.adapter.transfer(request('premium.test'))).rejects.toMatchObject({ code: 'premium_price', registrarMessage: expect.stringContaining('above the limit of 119.99 USD') });
    expect(above.registry.state.charges).toEqual([]);
    await above.close();

    const euros = await fixture({ maxTransferFee: { amount: '500', currency: 'EUR' } });
    await expect(euros.adapter.transfer(request('premium.test'))).rejects.toMatchObject({ code: 'premium_price', registrarMessage: expect.stringContaining('another currency') });
    expect(euros.registry.state.charges).toEqual([]);
  });

  it('sends a plain request to a registry that does not offer the extension, which then refuses a premium domain itself', async () => {
    f = await startEppFixture({ registry: { extURIs: ['urn:ietf:params:xml:ns:rgp-1.0'] } });
    f.registry.state.addDomain({ name: 'plain.test', clID: 'other-registrar', authInfo: AUTH });
    f.registry.state.addDomain({ name: 'premium.test', clID: 'other-registrar', authInfo: AUTH, transferFee: { amount: '120.00', feeClass: 'premium' } });
    await f.adapter.transfer(request('plain.test'));
    await expect(f.adapter.transfer(request('premium.test'))).rejects.toMatchObject({ rawCode: 2004, retryable: false });
    expect(sent(f, /<domain:check|<extension>/)).toEqual([]);
    expect(f.registry.state.charges.map((c) => c.name)).toEqual(['plain.test']);
    expect(await f.registry.schemaFailures()).toEqual([]);
  });
});

describe('reading a fee check answer', () => {
  const answer = (extension: string) =>
    parseEppMessage(
      `<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>ok</msg></result><extension>${extension}</extension><trID><svTRID>S</svTRID></trID></response></epp>`,
    ) as EppResponse;

  it('sums the fees exactly, under any prefix, and reads the class and standard flag', () => {
    const response = answer(
      `<f:chkData xmlns:f="${FEE}"><f:currency>EUR</f:currency><f:cd><f:objID>other.test</f:objID><f:command name="transfer"><f:fee>1.00</f:fee></f:command></f:cd><f:cd avail="1"><f:objID>Sum.TEST</f:objID><f:class>premium</f:class><f:command name="create"><f:fee>99</f:fee></f:command><f:command name="transfer" standard="0"><f:period unit="y">1</f:period><f:fee description="Transfer">0.1</f:fee><f:fee description="ICANN">0.2</f:fee></f:command></f:cd></f:chkData>`,
    );
    expect(readTransferFee(response.extension, 'sum.test')).toEqual({ currency: 'EUR', amount: '0.30', feeClass: 'premium', standard: false });
    expect(readTransferFee(response.extension, 'other.test')).toMatchObject({ amount: '1.00', standard: false, feeClass: '' });
  });

  it('gives no quote where the registry cannot price the name, or the data is in another namespace', () => {
    expect(readTransferFee(answer(`<fee:chkData xmlns:fee="${FEE}"><fee:currency>USD</fee:currency><fee:cd avail="0"><fee:objID>a.test</fee:objID><fee:reason>not priced</fee:reason></fee:cd></fee:chkData>`).extension, 'a.test')).toBeUndefined();
    expect(readTransferFee(answer(`<fee:chkData xmlns:fee="urn:ietf:params:xml:ns:fee-0.5"><fee:currency>USD</fee:currency><fee:cd><fee:objID>a.test</fee:objID><fee:command name="transfer"><fee:fee>5</fee:fee></fee:command></fee:cd></fee:chkData>`).extension, 'a.test')).toBeUndefined();
    expect(readTransferFee(answer(`<fee:chkData xmlns:fee="${FEE}"><fee:currency>USD</fee:currency><fee:cd><fee:objID>a.test</fee:objID><fee:command name="transfer"><fee:fee>lots</fee:fee></fee:command></fee:cd></fee:chkData>`).extension, 'a.test')).toBeUndefined();
  });

  it('accepts a standard price without a limit, and compares amounts as decimals, not as text', () => {
    const quote = { currency: 'USD', amount: '10.50', feeClass: 'standard', standard: true };
    expect(() => acceptTransferFee('a.test', quote, undefined)).not.toThrow();
    expect(() => acceptTransferFee('a.test', quote, { amount: '9.5', currency: 'USD' })).toThrow(/above the limit/);
    expect(() => acceptTransferFee('a.test', quote, { amount: '10.5', currency: 'usd' })).not.toThrow();
    expect(() => acceptTransferFee('a.test', { ...quote, amount: '100.00' }, { amount: '20', currency: 'USD' })).toThrow(/above the limit/);
  });
});
