import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretIntegrityError } from './secret-box.ts';

const key = crypto.randomBytes(32).toString('base64');

describe('sealed EPP codes', () => {
  it('open with the same key and purpose', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('Ab3$-x9!Qz', 'transfer-order:1:example.com');
    expect(sealed).not.toContain('Ab3$');
    expect(box.open(sealed, 'transfer-order:1:example.com')).toBe('Ab3$-x9!Qz');
  });

  it('differ every time, so equal codes are not recognisable at rest', () => {
    const box = new SecretBox(key);
    expect(box.seal('same', 'a')).not.toBe(box.seal('same', 'a'));
  });

  it('never use a nonce twice, across the blocks they are drawn from', () => {
    const box = new SecretBox(key);
    const nonces = Array.from({ length: 1000 }, () => box.seal('x', 'a').split('.')[1]);
    expect(new Set(nonces).size).toBe(1000);
    expect(nonces.every((n) => Buffer.from(n!, 'base64').length === 12)).toBe(true);
  });

  it('fail to open when the ciphertext was tampered with', () => {
    const box = new SecretBox(key);
    const [v, iv, body, tag] = box.seal('Ab3$-x9!Qz', 'aad').split('.');
    const bytes = Buffer.from(body!, 'base64');
    bytes[0] = bytes[0]! ^ 0x01;
    expect(() => box.open([v, iv, bytes.toString('base64'), tag].join('.'), 'aad')).toThrow(SecretIntegrityError);
  });

  it('fail to open when moved to another order or domain', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('Ab3$-x9!Qz', 'transfer-order:1:example.com');
    expect(() => box.open(sealed, 'transfer-order:2:example.com')).toThrow(SecretIntegrityError);
  });

  it('fail to open under another key', () => {
    const sealed = new SecretBox(key).seal('Ab3$-x9!Qz', 'aad');
    expect(() => new SecretBox(crypto.randomBytes(32).toString('base64')).open(sealed, 'aad')).toThrow(SecretIntegrityError);
  });
});
