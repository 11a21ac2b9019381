import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { authInfoEntropyBits, generateAuthInfo } from './epp.authinfo.ts';
import { domainTransferCommand } from './epp.commands.ts';
import { mapResultCode } from './epp.errors.ts';
import { encodeFrame, FrameReader } from './epp.framing.ts';
import { eppOptionsSchema } from './epp.options.ts';
import { parseEppMessage, readInfData, readTrnData } from './epp.response.ts';
import { escapeXml, maskSecrets } from './epp.xml.ts';
import { clTRIDGenerator } from './index.ts';

describe('RFC 5734 framing', () => {
  it('prefixes a big-endian length that counts the 4 header bytes', () => {
    const frame = encodeFrame('<a/>');
    expect(frame.readUInt32BE(0)).toBe(8);
    expect(frame.subarray(4).toString()).toBe('<a/>');
  });

  it('reassembles frames however the stream is split, including multi-byte characters', () => {
    const bytes = Buffer.concat([encodeFrame('<first>é</first>'), encodeFrame('<second/>')]);
    const reader = new FrameReader();
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...reader.push(bytes.subarray(i, i + 1)));
    expect(out).toEqual(['<first>é</first>', '<second/>']);
  });

  it('refuses a length smaller than the header or absurdly large', () => {
    expect(() => new FrameReader().push(Buffer.from([0, 0, 0, 2]))).toThrow(/invalid EPP frame length/);
    expect(() => new FrameReader().push(Buffer.from([0x7f, 0, 0, 0]))).toThrow(/invalid EPP frame length/);
  });
});

describe('XML building', () => {
  it('escapes markup in values so a value cannot change the frame', () => {
    const xml = domainTransferCommand('request', 'a.test', { authCode: `x</domain:pw><evil a="1">&'` }).build('ABC-1');
    expect(xml).toContain('<domain:pw>x&lt;/domain:pw&gt;&lt;evil a=&quot;1&quot;&gt;&amp;&apos;</domain:pw>');
    expect(() => escapeXml('bad\u0001')).toThrow(TypeError);
  });

  it('masks pw, newPW and authInfo contents whatever the prefix', () => {
    const masked = maskSecrets(
      '<login><pw>hunter22</pw><newPW>hunter33</newPW></login><dom:authInfo><dom:pw roid="X-1">code1</dom:pw></dom:authInfo><authInfo><pw>code2</pw></authInfo><domain:pw>code3</domain:pw>',
    );
    for (const secret of ['hunter22', 'hunter33', 'code1', 'code2', 'code3']) expect(masked).not.toContain(secret);
    expect(masked).toContain('<newPW>***</newPW>');
  });
});

describe('response parsing', () => {
  const infData = (prefix: string) => {
    const p = prefix ? `${prefix}:` : '';
    const decl = prefix ? `xmlns:${prefix}` : 'xmlns';
    return `<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg lang="en">Command completed successfully</msg></result><resData><${p}infData ${decl}="urn:ietf:params:xml:ns:domain-1.0"><${p}name>Example.TEST</${p}name><${p}roid>D1-X</${p}roid><${p}status s="clientTransferProhibited"/><${p}status s="clientDeleteProhibited">locked by owner</${p}status><${p}clID>0123</${p}clID><${p}crDate>2020-01-01T00:00:00.0Z</${p}crDate><${p}exDate>2027-01-01T00:00:00.0Z</${p}exDate><${p}authInfo><${p}pw>007</${p}pw></${p}authInfo></${p}infData></resData><trID><clTRID>ABC-1</clTRID><svTRID>SV-1</svTRID></trID></response></epp>`;
  };

  it.each(['domain', 'dom', ''])('reads infData on local names (prefix "%s"), keeping numeric-looking values as text', (prefix) => {
    const response = parseEppMessage(infData(prefix));
    if (response.kind !== 'response') throw new Error('expected a response');
    expect(response).toMatchObject({ code: 1000, clTRID: 'ABC-1', svTRID: 'SV-1' });
    expect(readInfData(response.resData)).toMatchObject({
      name: 'example.test',
      clID: '0123',
      statuses: ['clientTransferProhibited', 'clientDeleteProhibited'],
      exDate: new Date('2027-01-01T00:00:00Z'),
      authInfo: '007',
    });
  });

  it('tells a domain trnData from a contact one', () => {
    const contact = parseEppMessage(
      '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1301"><msg>ack</msg></result><msgQ count="1" id="9"><msg>x</msg></msgQ><resData><contact:trnData xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>C1</contact:id><contact:trStatus>pending</contact:trStatus></contact:trnData></resData><trID><svTRID>S-1</svTRID></trID></response></epp>',
    );
    if (contact.kind !== 'response') throw new Error('expected a response');
    expect(contact.msgQ).toMatchObject({ count: 1, id: '9', msg: 'x' });
    expect(readTrnData(contact.resData)).toBeUndefined();
  });

  it('refuses documents with a DOCTYPE and documents that are not EPP', () => {
    expect(() => parseEppMessage('<!DOCTYPE x [<!ENTITY a "b">]><epp/>')).toThrow(/DOCTYPE/);
    expect(() => parseEppMessage('<html/>')).toThrow(/not an EPP message/);
  });
});

describe('result code mapping', () => {
  it.each([
    [2201, [], 'not_authorized'],
    [2200, [], 'authentication_failed'],
    [2202, [], 'auth_code_invalid'],
    [2106, ['Object is not eligible for transfer'], 'not_eligible'],
    [2304, ['Object status prohibits operation', 'clientTransferProhibited'], 'transfer_prohibited'],
    [2308, ['serverTransferProhibited set by registry'], 'transfer_prohibited'],
    [2308, ['Transfer within 60 days of creation'], 'not_eligible'],
    [2300, [], 'already_pending'],
    [2301, [], 'not_found'],
    [2303, [], 'not_found'],
    [2400, [], 'transient'],
    [2500, [], 'transient'],
    [2501, [], 'authentication_failed'],
    [2502, [], 'transient'],
    [2005, [], 'not_eligible'],
    [2306, [], 'not_eligible'],
  ] as const)('%i %j → %s', (code, texts, expected) => {
    expect(mapResultCode(code, texts)).toBe(expected);
  });
});

describe('auth codes and transaction ids', () => {
  it('generates 24-character codes with every class and at least 128 bits', () => {
    expect(authInfoEntropyBits()).toBeGreaterThanOrEqual(128);
    const codes = new Set(Array.from({ length: 200 }, () => generateAuthInfo()));
    expect(codes.size).toBe(200);
    for (const code of codes) {
      expect(code).toHaveLength(24);
      expect(code).toMatch(/[A-Z]/);
      expect(code).toMatch(/[a-z]/);
      expect(code).toMatch(/[2-9]/);
      expect(code).toMatch(/[!#$%*+\-=?@^_~]/);
      expect(code).not.toMatch(/[<>&"'0O1lI]/);
    }
  });

  it('makes clTRIDs unique, prefixed and within the 3–64 characters EPP allows', () => {
    const next = clTRIDGenerator('ACME.prod');
    const ids = Array.from({ length: 1000 }, next);
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^ACME\.prod-[\w-]{3,50}$/);
  });
});

describe('options schema', () => {
  it('compiles under ajv strict mode and fills defaults', () => {
    const validate = new Ajv({ strict: true, useDefaults: true }).compile(eppOptionsSchema);
    const options: Record<string, unknown> = { host: 'epp.example', clientId: 'acme' };
    expect(validate(options)).toBe(true);
    expect(options).toMatchObject({
      port: 700,
      passwordEnv: 'EPP_PASSWORD',
      clTRIDPrefix: 'DT',
      poolSize: 2,
      commandTimeoutMs: 15000,
      objURIs: ['urn:ietf:params:xml:ns:domain-1.0'],
      extURIs: ['urn:ietf:params:xml:ns:rgp-1.0', 'urn:ietf:params:xml:ns:epp:fee-1.0'],
      rejectUnauthorized: true,
      insecureForTesting: false,
      loginRetryAfterSeconds: 900,
      setFreshAuthInfo: true,
    });
    expect(validate({ host: 'h', clientId: 'acme', password: 'x' })).toBe(false);
    expect(validate({ host: 'h', clientId: 'acme', clTRIDPrefix: 'bad prefix' })).toBe(false);
    expect(options).not.toHaveProperty('maxTransferFee');
    expect(validate({ host: 'h', clientId: 'acme', maxTransferFee: { amount: '120.50', currency: 'EUR' } })).toBe(true);
    for (const maxTransferFee of [{ amount: '12,50', currency: 'EUR' }, { amount: '-1', currency: 'EUR' }, { amount: '10', currency: 'eur' }, { amount: '10' }]) {
      expect(validate({ host: 'h', clientId: 'acme', maxTransferFee }), JSON.stringify(maxTransferFee)).toBe(false);
    }
  });
});

describe('values outside the schemas', () => {
  const refusal = (build: () => unknown) => {
    try {
      build();
    } catch (error) {
      return { name: (error as Error).name, code: (error as { code?: string }).code };
    }
    return undefined;
  };
  const invalidInput = { name: 'RegistrarError', code: 'invalid_input' };

  it('refuses them as invalid_input before a frame is built, never as a TypeError', () => {
    expect(refusal(() => domainTransferCommand('request', 'example.com', { authCode: 'abc\u0001def' }))).toEqual(invalidInput);
    expect(refusal(() => domainTransferCommand('request', 'example.com', { authCode: 'abc\ndef' }))).toEqual(invalidInput);
    expect(refusal(() => domainTransferCommand('request', 'example.com', { authCode: '' }))).toEqual(invalidInput);
    expect(refusal(() => domainTransferCommand('request', 'example.com', { periodYears: 100 }))).toEqual(invalidInput);
    expect(refusal(() => domainTransferCommand('request', 'example.com', { periodYears: 0 }))).toEqual(invalidInput);
    expect(refusal(() => domainTransferCommand('request', `${'a'.repeat(64)}.com`))).toEqual(invalidInput);
    expect(refusal(() => domainTransferCommand('request', `${'abcdefghij.'.repeat(23)}com`))).toEqual(invalidInput);
    expect(refusal(() => domainTransferCommand('request', 'bücher.de'))).toEqual(invalidInput);
  });

  it('passes every value inside them, codes with XML metacharacters and non-ASCII included', () => {
    expect(refusal(() => domainTransferCommand('request', 'xn--bcher-kva.de', { authCode: `<>&"' +$%\\ 码`, periodYears: 99 }))).toBeUndefined();
    expect(refusal(() => domainTransferCommand('request', `${'a'.repeat(63)}.com`, { periodYears: 1 }))).toBeUndefined();
  });
});
