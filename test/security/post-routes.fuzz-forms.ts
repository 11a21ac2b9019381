import fc from 'fast-check';
import type { Session } from './post-routes.fuzz-world.ts';

// What the POST-route fuzzer sends: hostile text, path parameters, forms, and CSRF tokens right or wrong.

/** Strings an attacker or a broken client would send. */
const NASTY = [
  '', ' ', '\t\n', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', "javascript:alert('x')",
  "' OR '1'='1", "'; DROP TABLE dt_domains; --", '" OR ""="', '\\', '\\"', '%00', '\u0000', 'a\u0000b', '\u202e\u0645', '\ud800', '💥🔥',
  '𝕏'.repeat(80), 'x'.repeat(256), 'ä'.repeat(300), '1', '0', '-1', '1e309', '9007199254740993', 'NaN', 'Infinity', 'true', 'null',
  '2147483648', 'undefined', '[object Object]', '__proto__', 'constructor', 'toString', '../../etc/passwd', '{{7*7}}', '${7*7}', '%s%s%s', 'yes',
];

/** Any text: the list above, unicode (control characters and lone surrogates included), numbers, long runs. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }) },
  // Numbers a column may not hold: past 32 and 64 bits, exponents, fractions.
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt(), fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53 + 2, 1e21)).map(String) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 300, maxLength: 3000 }) },
);

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** Percent-encodes the UTF-8 bytes of `text` (a lone surrogate becomes U+FFFD, as a browser sends it). */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (UNRESERVED.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A path parameter: mostly one that exists, sometimes a stranger's or none, sometimes garbage. */
export function param(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...real) },
    { weight: 2, arbitrary: fc.constantFrom('nobody-has-this.com', 'DEMO-OURS.COM', 'xn--mnchen-3ya.com', '0', '-1', '99999999', '1.5', '1e3') },
    { weight: 2, arbitrary: anyText.filter((t) => t.length > 0 && t.length < 400).map(percentEncode) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%E0%A4%A', '%2e%2e', '%00', '..', '%2F') },
  );
}

export type CsrfPlacement = 'body' | 'header';
export interface FormInput {
  /** The encoded form (without the token), or a raw body sent as it is. */
  body: string;
  contentType: string;
  accept: string | undefined;
  csrf: CsrfPlacement;
}

/**
 * A form for a route that reads `fields` (each with values that make sense to it): as the page
 * sends it, with one field odd, or with each field present, missing, hostile, repeated (an
 * array), or named `a[]` / `a[b]` (an object to a parser that nests), plus stray fields; or a raw body.
 */
export function formInput(fields: Record<string, readonly string[]>): fc.Arbitrary<FormInput> {
  const pair = (name: string, value: string) => `${percentEncode(name)}=${percentEncode(value)}`;
  const field = ([name, good]: [string, readonly string[]]) => {
    const value = good.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...good) }, { weight: 2, arbitrary: anyText }) : anyText;
    return fc.oneof(
      { weight: 5, arbitrary: value.map((v) => [pair(name, v)]) },
      { weight: 2, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(value, { minLength: 2, maxLength: 3 }).map((vs) => vs.map((v) => pair(name, v))) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('[]', '[b]', '[0]', '.x'), value).map(([suffix, v]) => [pair(name + suffix, v)]) },
    );
  };
  const stray = fc.array(fc.tuple(fc.oneof(anyText, fc.constantFrom('_method', 'action', 'confirm', '__proto__', 'constructor[prototype][x]')), anyText), { maxLength: 4 });
  const encoded = fc.tuple(fc.tuple(...Object.entries(fields).map(field)), stray).map(([known, extra]) => [...known.flat(), ...extra.map(([k, v]) => pair(k, v))].join('&'));
  // As the page's own form would send it, so the route also gets past its checks and acts; or
  // so with one field odd, which reaches the code behind the checks the other fields pass.
  const entries = Object.entries(fields);
  const goodValues = fc.tuple(...entries.map(([, good]) => fc.constantFrom(...good)));
  const wellFormed = goodValues.map((values) => values.map((v, i) => pair(entries[i]![0], v)).join('&'));
  const oneOdd = fc
    .tuple(goodValues, fc.nat({ max: Math.max(0, entries.length - 1) }), anyText)
    .map(([values, odd, text]) => values.map((v, i) => pair(entries[i]![0], i === odd ? text : v)).join('&'));
  const raw = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('a=1&'.repeat(1001), '&&&===', '%', '%zz=%zz', `x=${'y'.repeat(70_000)}`));
  return fc.record({
    body: fc.oneof({ weight: 3, arbitrary: wellFormed }, { weight: 3, arbitrary: oneOdd }, { weight: 6, arbitrary: encoded }, { weight: 1, arbitrary: raw }),
    contentType: fc.constantFrom(
      ...Array<string>(12).fill('application/x-www-form-urlencoded'),
      'application/x-www-form-urlencoded; charset=utf-8',
      'application/x-www-form-urlencoded; charset=iso-8859-1',
      'application/x-www-form-urlencoded; charset=koi8-r',
      'text/plain',
      'application/json',
      'multipart/form-data; boundary=x',
    ),
    accept: fc.constantFrom(undefined, 'text/html', 'text/html', 'application/json', '*/*'),
    csrf: fc.constantFrom<CsrfPlacement>('body', 'body', 'body', 'header'),
  });
}

/** Ways to get the token wrong. */
export const WRONG_TOKENS = ['missing', 'empty', 'tampered', 'another session', 'repeated', 'bracketed', 'wrong header', 'in the query'] as const;
export type WrongToken = (typeof WRONG_TOKENS)[number];

/** Posts `input` to `path` as `session`, with its token where `input` says (or got wrong as `wrong` says). */
export function send(session: Session, path: string, input: FormInput, token: { wrong?: WrongToken; other?: string; headers?: Record<string, string> } = {}) {
  const good = session.csrf;
  let body = input.body;
  let url = path;
  const headers: Record<string, string> = { 'content-type': input.contentType, ...token.headers };
  if (input.accept) headers.accept = input.accept;
  const add = (part: string) => (body = body ? `${body}&${part}` : part);
  switch (token.wrong) {
    case undefined:
      if (input.csrf === 'header') headers['x-csrf-token'] = good;
      else add(`_csrf=${percentEncode(good)}`);
      break;
    case 'missing':
      break;
    case 'empty':
      add('_csrf=');
      break;
    case 'tampered':
      add(`_csrf=${percentEncode((good[0] === 'A' ? 'B' : 'A') + good.slice(1))}`);
      break;
    case 'another session':
      add(`_csrf=${percentEncode(token.other ?? 'x')}`);
      break;
    case 'repeated':
      add(`_csrf=${percentEncode(good)}&_csrf=${percentEncode(good)}`);
      break;
    case 'bracketed':
      add(`_csrf%5B%5D=${percentEncode(good)}`);
      break;
    case 'wrong header':
      headers['x-xsrf-token'] = good;
      break;
    case 'in the query':
      url += `${url.includes('?') ? '&' : '?'}_csrf=${percentEncode(good)}`;
      break;
  }
  return session.agent.post(url).set(headers).send(body).redirects(0).ok(() => true);
}
