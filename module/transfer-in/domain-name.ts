import { domainToASCII, domainToUnicode } from 'node:url';
import { parse } from 'tldts';
import { InputError } from '../errors.ts';

const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export interface NormalizedDomain {
  /** ASCII (punycode) registrable domain, lower-case. */
  domain: string;
  /** The same name in Unicode, for display. */
  unicode: string;
  /** ICANN public suffix, e.g. `com` or `co.uk`. */
  suffix: string;
}

/**
 * Turns what a person typed into the registrable domain we can transfer: trims, lower-cases,
 * converts IDN labels to punycode with real label checks, and refuses a subdomain with a
 * message that names the registrable domain.
 */
export function normalizeDomain(input: unknown): NormalizedDomain {
  if (typeof input !== 'string' || !input.trim()) throw new InputError('transfer:errors.domain_required', {}, 'domain');
  let name = input.trim().toLowerCase();
  // A URL, an address or a path: its ':', '/' or '@' is never part of a name.
  if (/[/?#@:\s]/.test(name)) {
    throw new InputError('transfer:errors.domain_not_a_name', { input: input.trim().slice(0, 80) }, 'domain');
  }
  // Ideographic and fullwidth full stops are label separators too (UTS #46).
  name = name.replace(/[\u3002\uff0e\uff61]/g, '.').replace(/\.$/, '');

  const labels = name.split('.');
  if (labels.length < 2) throw new InputError('transfer:errors.domain_needs_suffix', { input: name }, 'domain');
  if (labels.some((label) => !label)) throw new InputError('transfer:errors.domain_empty_label', { input: name }, 'domain');
  // Letters, marks, digits and hyphens only (IDNA2008 has no symbols or emoji), and nothing
  // invisible that UTS #46 would silently drop.
  const badLabel = labels.find((label) => !/^[\p{L}\p{M}\p{N}-]+$/u.test(label));
  if (badLabel !== undefined) throw new InputError('transfer:errors.domain_bad_label', { label: badLabel }, 'domain');
  // UTS #46 processing (the WHATWG URL rules browsers use); '' means a label is not valid IDNA.
  const mapped = domainToASCII(name);
  if (!mapped) throw new InputError('transfer:errors.domain_bad_label', { label: name }, 'domain');
  const asciiLabels = mapped.split('.');
  asciiLabels.forEach((ascii, index) => {
    const label = labels[index] ?? ascii;
    if (ascii.length > 63) throw new InputError('transfer:errors.domain_label_too_long', { label }, 'domain');
    if (!LDH_LABEL.test(ascii)) throw new InputError('transfer:errors.domain_bad_label', { label }, 'domain');
    // "ab--" in positions 3–4 is reserved for IDNA (xn--) labels.
    if (ascii.slice(2, 4) === '--' && !ascii.startsWith('xn--')) throw new InputError('transfer:errors.domain_bad_label', { label }, 'domain');
  });
  const ascii = asciiLabels.join('.');
  if (ascii.length > 253) throw new InputError('transfer:errors.domain_too_long', {}, 'domain');

  const parsed = parse(ascii, { allowPrivateDomains: false });
  if (!parsed.isIcann || !parsed.publicSuffix) {
    throw new InputError('transfer:errors.domain_unknown_suffix', { input: ascii }, 'domain');
  }
  if (!parsed.domain) throw new InputError('transfer:errors.domain_is_suffix', { input: ascii }, 'domain');
  if (parsed.domain !== ascii) {
    throw new InputError('transfer:errors.domain_is_subdomain', { input: ascii, registrable: toUnicode(parsed.domain) }, 'domain');
  }
  return { domain: ascii, unicode: toUnicode(ascii), suffix: parsed.publicSuffix };
}

export function toUnicode(ascii: string): string {
  // Only an xn-- label changes; lists convert every row, and most names have none.
  if (!ascii.includes('xn--') && !/[A-Z]/.test(ascii)) return ascii;
  return domainToUnicode(ascii) || ascii;
}

export const EPP_CODE_MIN_LENGTH = 4;
export const EPP_CODE_MAX_LENGTH = 128;

/**
 * The auth code as the registrant gave it. Codes are case-sensitive and are never trimmed or
 * altered: surrounding spaces and invisible characters mean a mangled copy, which the
 * registry would refuse days later, so the person is told now.
 */
export function validateEppCode(input: unknown): string {
  if (typeof input !== 'string' || !input.trim()) throw new InputError('transfer:errors.code_required', {}, 'eppCode');
  if (input !== input.trim()) throw new InputError('transfer:errors.code_surrounding_space', {}, 'eppCode');
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0]/u.test(input)) throw new InputError('transfer:errors.code_not_printable', {}, 'eppCode');
  const length = [...input].length;
  if (length < EPP_CODE_MIN_LENGTH || length > EPP_CODE_MAX_LENGTH) {
    throw new InputError('transfer:errors.code_length', { min: EPP_CODE_MIN_LENGTH, max: EPP_CODE_MAX_LENGTH }, 'eppCode');
  }
  return input;
}
