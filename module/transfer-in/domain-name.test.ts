import { describe, expect, it } from 'vitest';
import { normalizeDomain, toUnicode, validateEppCode } from './domain-name.ts';
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

  it('take a 63-character label and a 253-character name; one more is refused', () => {
    expect(normalizeDomain(`${'a'.repeat(63)}.com`).domain).toBe(`${'a'.repeat(63)}.com`);
    const name = (last: number) => `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(last)}.com`;
    expect(name(57)).toHaveLength(253);
    // 253 characters is a valid name (here a subdomain, refused as such); 254 is not a name.
    expect(refusal(() => normalizeDomain(name(57))).key).toBe('transfer:errors.domain_is_subdomain');
    expect(refusal(() => normalizeDomain(name(58)))).toEqual({ key: 'transfer:errors.domain_too_long', params: {}, field: 'domain' });
  });

  it('say what was wrong, with the part at fault as it was typed, on the domain field', () => {
    const cases: Array<[unknown, string, Record<string, unknown>]> = [
      [42, 'transfer:errors.domain_required', {}],
      ['   ', 'transfer:errors.domain_required', {}],
      [' https://Example.com/transfer ', 'transfer:errors.domain_not_a_name', { input: 'https://Example.com/transfer' }],
      [`https://${'a'.repeat(100)}.com`, 'transfer:errors.domain_not_a_name', { input: `https://${'a'.repeat(100)}.com`.slice(0, 80) }],
      ['owner@example.com', 'transfer:errors.domain_not_a_name', { input: 'owner@example.com' }],
      ['EXAMPLE', 'transfer:errors.domain_needs_suffix', { input: 'example' }],
      ['EXAMPLE..COM', 'transfer:errors.domain_empty_label', { input: 'example..com' }],
      ['ex_ample.com', 'transfer:errors.domain_bad_label', { label: 'ex_ample' }],
      ['xn--zz.com', 'transfer:errors.domain_bad_label', { label: 'xn--zz.com' }],
      ['-bad.com', 'transfer:errors.domain_bad_label', { label: '-bad' }],
      ['ab--cd.com', 'transfer:errors.domain_bad_label', { label: 'ab--cd' }],
      [`${'ü'.repeat(60)}.com`, 'transfer:errors.domain_label_too_long', { label: 'ü'.repeat(60) }],
      ['example.notarealtld', 'transfer:errors.domain_unknown_suffix', { input: 'example.notarealtld' }],
      ['co.uk', 'transfer:errors.domain_is_suffix', { input: 'co.uk' }],
    ];
    for (const [input, key, params] of cases) expect(refusal(() => normalizeDomain(input)), JSON.stringify(input)).toEqual({ key, params, field: 'domain' });
  });

  it('take a trailing full stop as the name without it', () => {
    expect(normalizeDomain('example.com.').domain).toBe('example.com');
    expect(normalizeDomain('例子。中国。').domain).toBe('xn--fsqu00a.xn--fiqs8s');
  });

  it('read suffixes from the ICANN section only: a name under a private suffix is a subdomain of its registrable domain', () => {
    expect(refusal(() => normalizeDomain('myblog.github.io'))).toEqual({
      key: 'transfer:errors.domain_is_subdomain',
      params: { input: 'myblog.github.io', registrable: 'github.io' },
      field: 'domain',
    });
    expect(normalizeDomain('github.io')).toEqual({ domain: 'github.io', unicode: 'github.io', suffix: 'io' });
  });
});

describe('names shown back', () => {
  it('are Unicode for IDN labels and lower case', () => {
    expect(toUnicode('xn--mnchen-3ya.de')).toBe('münchen.de');
    expect(toUnicode('EXAMPLE.COM')).toBe('example.com');
    expect(toUnicode('example.com')).toBe('example.com');
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
    [42, 'transfer:errors.code_required'],
  ])('refuse %j with %s', (input, key) => {
    const result = refusal(() => validateEppCode(input));
    expect(result.key).toBe(key);
    expect(result.field).toBe('eppCode');
    expect(result.params).toEqual(key === 'transfer:errors.code_length' ? { min: 4, max: 128 } : {});
  });

  it('take 4 to 128 characters, counted as characters, not UTF-16 units', () => {
    expect(validateEppCode('Ab3$')).toBe('Ab3$');
    expect(validateEppCode('x'.repeat(128))).toBe('x'.repeat(128));
    expect(validateEppCode('😀'.repeat(128))).toBe('😀'.repeat(128));
    expect(refusal(() => validateEppCode('😀'.repeat(3))).key).toBe('transfer:errors.code_length');
  });
});
