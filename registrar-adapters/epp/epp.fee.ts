import { RegistrarError } from '../registrar-error.ts';
import { NS } from './epp.namespaces.ts';
import { attr, child, children, text, type XmlObject } from './epp.response.ts';
import { el, type XmlElement } from './epp.xml.ts';

/**
 * RFC 8748 registry fees for a transfer. A registry that prices a domain above its standard
 * fee (a "premium" domain) refuses a transfer that does not acknowledge the price, and one
 * acknowledged blindly would charge our registrar account more than the client paid. So,
 * where the registry offers the extension, the price is asked first (`<fee:check>` on a
 * `<domain:check>`), compared with the registrar's limit, and only then acknowledged in
 * `<fee:transfer>`.
 */

export interface TransferFeeLimit {
  /** Decimal amount, as the registry writes it (`25`, `25.00`). */
  amount: string;
  /** ISO 4217 code; a quote in another currency is not accepted. */
  currency: string;
}

export interface TransferFeeQuote {
  currency: string;
  /** The sum of the `<fee:fee>` elements, as a decimal string. */
  amount: string;
  /** `<fee:class>`, e.g. `standard` or `premium-tier-1`; empty when the registry gave none. */
  feeClass: string;
  /** The registry marked the price as its standard one (`standard="1"` or class `standard`). */
  standard: boolean;
}

export function feeCheckExtension(periodYears: number): XmlElement {
  return el('fee:check', { 'xmlns:fee': NS.fee }, el('fee:command', { name: 'transfer' }, el('fee:period', { unit: 'y' }, periodYears)));
}

export function feeTransferExtension(quote: TransferFeeQuote): XmlElement {
  return el('fee:transfer', { 'xmlns:fee': NS.fee }, el('fee:currency', null, quote.currency), el('fee:fee', null, quote.amount));
}

/**
 * The transfer price for `domain` from a check response's extension; undefined when the
 * registry gave none (no `<fee:chkData>`, the name absent, or `avail="0"`: it cannot price it).
 */
export function readTransferFee(extension: XmlObject | undefined, domain: string): TransferFeeQuote | undefined {
  const chk = child(extension, 'fee:chkData');
  if (!chk) return undefined;
  const cd = children(chk, 'fee:cd').find((c) => text(child(c, 'fee:objID')).toLowerCase() === domain);
  if (!cd || attr(cd, 'avail') === '0' || attr(cd, 'avail') === 'false') return undefined;
  const command = children(cd, 'fee:command').find((c) => attr(c, 'name') === 'transfer');
  if (!command) return undefined;
  const fees = children(command, 'fee:fee').map((f) => text(f));
  if (fees.length === 0 || fees.some((f) => !DECIMAL.test(f))) return undefined;
  const feeClass = text(child(cd, 'fee:class'));
  const standardAttr = attr(command, 'standard');
  return {
    currency: text(child(chk, 'fee:currency')).toUpperCase(),
    amount: formatScaled(fees.reduce((sum, f) => sum + scaled(f), 0n)),
    feeClass,
    standard: standardAttr === '1' || standardAttr === 'true' || feeClass.toLowerCase() === 'standard',
  };
}

/**
 * Accepts a quote within the limit. Without a limit only a standard price is accepted: a
 * premium one needs an admin's decision, never a silent charge.
 */
export function acceptTransferFee(domain: string, quote: TransferFeeQuote, limit: TransferFeeLimit | undefined): void {
  const price = `${quote.amount} ${quote.currency}`;
  if (!limit) {
    if (quote.standard) return;
    throw new RegistrarError('premium_price', `the registry asks ${price} to transfer ${domain} (fee class "${quote.feeClass || 'unstated'}"), and no maxTransferFee is set for premium prices`);
  }
  if (quote.currency !== limit.currency.toUpperCase()) {
    throw new RegistrarError('premium_price', `the registry asks ${price} to transfer ${domain}, in another currency than the limit of ${limit.amount} ${limit.currency}`);
  }
  if (scaled(quote.amount) > scaled(limit.amount)) {
    throw new RegistrarError('premium_price', `the registry asks ${price} to transfer ${domain}, above the limit of ${limit.amount} ${limit.currency}`);
  }
}

// Money as integers of a millionth: exact for every amount a registry writes.
const DECIMAL = /^\d{1,12}(?:\.\d{1,6})?$/;
const SCALE = 1_000_000n;

function scaled(amount: string): bigint {
  const [whole = '0', fraction = ''] = amount.split('.');
  return BigInt(whole) * SCALE + BigInt(fraction.padEnd(6, '0'));
}

function formatScaled(value: bigint): string {
  const whole = value / SCALE;
  const fraction = (value % SCALE).toString().padStart(6, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${fraction}`;
}
