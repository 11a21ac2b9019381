import { describe, expect, it } from 'vitest';
import { normalizeDomain, validateEppCode } from './domain-name.ts';
import { InputError } from '../errors.ts';

function refusal(fn: () => unknown): { key: string; params: Record<string, unknown>; field?: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    return { key: e.messageKey, params: e.params, field: e.field };
  }
  throw new Error('expected a refusal');
}

describe('domain names typed by a client', () => {
  it('are trimmed and lower-cased', () => {
    expect(normalizeDomain('  Example.COM ').domain).toBe('example.com');
  });

  it('convert IDN labels to punycode and keep the Unicode form for display', () => {
    expect(normalizeDomain('münchen.de')).toEqual({ domain: 'xn--mnchen-3ya.de', unicode: 'münchen.de', suffix: 'de' });
    expect(normalizeDomain('例子。中国').domain).toBe('xn--fsqu00a.xn--fiqs8s');
  });

  it('refuse a subdomain with a message naming the registrable domain', () => {
    expect(refusal(() => normalizeDomain('www.example.co.uk'))).toEqual({
      key: 'transfer:errors.domain_is_subdomain',
      params: { input: 'www.example.co.uk', registrable: 'example.co.uk' },
      field: 'domain',
    });
  });

  it.each([
    ['', 'transfer:errors.domain_required'],
    ['example..com', 'transfer:errors.domain_empty_label'],
    ['-bad.com', 'transfer:errors.domain_bad_label'],
    ['bad-.com', 'transfer:errors.domain_bad_label'],
    ['ab--cd.com', 'transfer:errors.domain_bad_label'],
    ['xn--zz.com', 'transfer:errors.domain_bad_label'],
    ['ex_ample.com', 'transfer:errors.domain_bad_label'],
    ['💩.com', 'transfer:errors.domain_bad_label'],
    ['in\u200bvisible.com', 'transfer:errors.domain_bad_label'],
    [`${'a'.repeat(64)}.com`, 'transfer:errors.domain_label_too_long'],
    ['com', 'transfer:errors.domain_needs_suffix'],
    ['co.uk', 'transfer:errors.domain_is_suffix'],
    ['https://example.com/', 'transfer:errors.domain_not_a_name'],
    ['example.notarealtld', 'transfer:errors.domain_unknown_suffix'],
  ])('refuse %j with %s', (input, key) => {
    expect(refusal(() => normalizeDomain(input)).key).toBe(key);
  });

  it('refuse a name longer than 253 characters', () => {
    const long = `${Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')}.com`;
    expect(refusal(() => normalizeDomain(long)).key).toBe('transfer:errors.domain_too_long');
  });
});

describe('EPP codes typed by a client', () => {
  it('are kept exactly as given, case and symbols included', () => {
    expect(validateEppCode('Ab3$-x9!Qz')).toBe('Ab3$-x9!Qz');
  });

  it.each([
    ['', 'transfer:errors.code_required'],
    ['   ', 'transfer:errors.code_required'],
    [' Ab3$x9Qz', 'transfer:errors.code_surrounding_space'],
    ['Ab3$x9Qz\n', 'transfer:errors.code_surrounding_space'],
    ['Ab3\u200b$x9Qz', 'transfer:errors.code_not_printable'],
    ['Ab3\u0007x9Qz', 'transfer:errors.code_not_printable'],
    ['abc', 'transfer:errors.code_length'],
    ['x'.repeat(129), 'transfer:errors.code_length'],
  ])('refuse %j with %s', (input, key) => {
    const result = refusal(() => validateEppCode(input));
    expect(result.key).toBe(key);
    expect(result.field).toBe('eppCode');
  });
});
