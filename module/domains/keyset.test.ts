import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './keyset.ts';
import { InputError } from '../errors.ts';

/** A cursor as a client could forge it: any JSON, base64url. */
const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('Keyset cursors', () => {
  it('reads back what it wrote, for a text, number or missing sort value', () => {
    for (const value of ['example.com', 1_780_000_000_000, null]) {
      const cursor = { sort: 'expiry', dir: 'desc' as const, value, id: 42 };
      expect(decodeCursor(encodeCursor(cursor), 'expiry', 'desc')).toEqual(cursor);
    }
  });

  it('refuses, naming `after`, a cursor of another sort or direction, of the wrong shape, or not a cursor at all', () => {
    const refused = (text: string, sort = 'name', dir: 'asc' | 'desc' = 'asc') => {
      try {
        decodeCursor(text, sort, dir);
      } catch (error) {
        return error instanceof InputError ? error.field : 'other';
      }
      return 'accepted';
    };
    expect(refused(forged(['name', 'asc', 'a.com', 1]))).toBe('accepted');
    expect(refused(forged(['name', 'asc', 'a.com', 1]), 'changed')).toBe('after');
    expect(refused(forged(['name', 'asc', 'a.com', 1]), 'name', 'desc')).toBe('after');
    expect(refused(forged(['name', 'asc', 'a.com', 1, 'extra']))).toBe('after');
    expect(refused(forged(['name', 'asc', 'a.com']))).toBe('after');
    expect(refused(forged({ 0: 'name', 1: 'asc', 2: 'a.com', 3: 1, length: 4 }))).toBe('after');
    expect(refused(forged(['name', 'asc', { $gt: '' }, 1]))).toBe('after');
    expect(refused(forged(['name', 'asc', true, 1]))).toBe('after');
    expect(refused(forged(['name', 'asc', 'a.com', 1.5]))).toBe('after');
    expect(refused(forged(['name', 'asc', 'a.com', '1']))).toBe('after');
    expect(refused('%%%')).toBe('after');
    expect(refused(Buffer.from('[not json').toString('base64url'))).toBe('after');
  });
});
