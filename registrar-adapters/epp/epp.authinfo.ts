import { randomInt } from 'node:crypto';

/**
 * Classes without look-alikes (0/O, 1/l/I) and without XML-special or quoting characters, so
 * a code survives being read aloud, pasted into a form and put in an email.
 */
const CLASSES = [
  'ABCDEFGHJKLMNPQRSTUVWXYZ',
  'abcdefghijkmnopqrstuvwxyz',
  '23456789',
  '!#$%*+-=?@^_~',
] as const;
const ALPHABET = CLASSES.join('');

export const AUTH_INFO_LENGTH = 24;

/** Bits of entropy in a code of `length` characters drawn uniformly from the alphabet. */
export function authInfoEntropyBits(length = AUTH_INFO_LENGTH): number {
  return length * Math.log2(ALPHABET.length);
}

/**
 * An RFC 9154-style auth code: 24 characters from a 70-symbol alphabet (~147 bits, well over
 * the 128 required). Codes missing a class are drawn again rather than patched, which keeps
 * every acceptable code equally likely.
 */
export function generateAuthInfo(length = AUTH_INFO_LENGTH): string {
  for (;;) {
    let code = '';
    for (let i = 0; i < length; i++) code += ALPHABET[randomInt(ALPHABET.length)];
    if (CLASSES.every((cls) => [...code].some((c) => cls.includes(c)))) return code;
  }
}
