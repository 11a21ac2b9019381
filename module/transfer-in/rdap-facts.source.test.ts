import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRdapFactsSource, eppStatus } from './rdap-facts.source.ts';

/** A local RDAP server (RFC 9083 domain objects): `delay-*` names answer late, `broken-*` with a 500. */
const RECORDS: Record<string, object> = {
  'named.biz': {
    status: ['client transfer prohibited', 'client_delete_prohibited'],
    events: [
      { eventAction: 'registration', eventDate: '2020-01-02T03:04:05Z' },
      { eventAction: 'expiration', eventDate: '2027-01-02T03:04:05Z' },
    ],
    entities: [{ roles: ['registrar'], vcardArray: ['vcard', [['version', {}, 'text', '4.0'], ['fn', {}, 'text', 'Example Registrar, Inc.']]], publicIds: [{ type: 'IANA Registrar ID', identifier: '9999' }] }],
  },
  'numbered.biz': { status: ['active'], entities: [{ roles: ['registrar'], publicIds: [{ type: 'IANA Registrar ID', identifier: '1234' }] }] },
  'bare.biz': { events: [{ eventAction: 'registration', eventDate: 'not a date' }] },
  'delay-named.biz': { status: ['active'] },
};
let server: http.Server;
let dir: string;
let bootstrapFile: string;
let base: string;
const asked: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const name = decodeURIComponent(req.url?.split('/domain/')[1] ?? '').toLowerCase();
    asked.push(name);
    res.setHeader('content-type', 'application/rdap+json');
    if (name.startsWith('broken-')) {
      res.statusCode = 500;
      res.end('{}');
      return;
    }
    const record = RECORDS[name];
    const answer = () => {
      if (!record) {
        res.statusCode = 404;
        res.end(JSON.stringify({ errorCode: 404, title: 'Not Found' }));
      } else res.end(JSON.stringify({ objectClassName: 'domain', ldhName: name, rdapConformance: ['rdap_level_0'], ...record }));
    };
    if (name.startsWith('delay-')) setTimeout(answer, 400);
    else answer();
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-rdap-source-'));
  bootstrapFile = path.join(dir, 'dns.json');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rdap/`;
  fs.writeFileSync(bootstrapFile, JSON.stringify({ version: '1.0', publication: '2026-01-01T00:00:00Z', services: [[['biz'], [base]]] }));
});
afterAll(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('registry facts over RDAP', () => {
  it('reads a registered domain: the registrar by name, EPP statuses, and the dates', async () => {
    const source = createRdapFactsSource({ timeoutMs: 2000, bootstrapFile });
    expect(await source.lookup('named.biz')).toEqual({
      domain: 'named.biz',
      sponsoredByUs: false,
      registrar: 'Example Registrar, Inc.',
      statuses: ['clientTransferProhibited', 'clientDeleteProhibited'],
      createdAt: new Date('2020-01-02T03:04:05Z'),
      expiresAt: new Date('2027-01-02T03:04:05Z'),
    });
  });

  it('names the registrar by its IANA id when it has no name, "unknown" when neither is given; no statuses or dates is none', async () => {
    const source = createRdapFactsSource({ timeoutMs: 2000, bootstrapFile });
    expect(await source.lookup('numbered.biz')).toMatchObject({ registrar: '1234', statuses: ['active'], createdAt: undefined, expiresAt: undefined });
    expect(await source.lookup('bare.biz')).toEqual({ domain: 'bare.biz', sponsoredByUs: false, registrar: 'unknown', statuses: [], createdAt: undefined, expiresAt: undefined });
  });

  it('refuses a name the registry does not hold as not found, and a registry that fails as transient, naming the domain', async () => {
    const source = createRdapFactsSource({ timeoutMs: 2000, bootstrapFile });
    await expect(source.lookup('missing.biz')).rejects.toMatchObject({ name: 'RegistrarError', code: 'not_found', registrarMessage: 'RDAP: missing.biz is not registered' });
    const failed = await source.lookup('broken-registry.biz').catch((e: unknown) => e);
    expect(failed).toMatchObject({ name: 'RegistrarError', code: 'transient' });
    // rdapper's words: the RDAP server's answer, not a WHOIS attempt.
    expect((failed as { registrarMessage: string }).registrarMessage).toMatch(/^RDAP lookup of broken-registry\.biz failed: RDAP not available or failed for TLD 'biz' \(rdap http:\/\/127\.0\.0\.1:\d+\/rdap\/: RDAP 500/);
    const noRegistry = await source.lookup('example.nosuchtld').catch((e: unknown) => e);
    expect(noRegistry).toMatchObject({ name: 'RegistrarError', code: 'transient' });
    expect((noRegistry as { registrarMessage: string }).registrarMessage).toMatch(/^RDAP lookup of example\.nosuchtld failed: RDAP not available or failed for TLD 'nosuchtld' \(no RDAP server listed/);
  });

  it('waits up to the timeout for a slow registry', async () => {
    // It answers after 400 ms: within the 1 s per request, and the whole lookup may take three.
    const source = createRdapFactsSource({ timeoutMs: 1000, bootstrapFile });
    expect(await source.lookup('delay-named.biz')).toMatchObject({ domain: 'delay-named.biz', statuses: ['active'] });
  });

  it('asks over RDAP only, never WHOIS', async () => {
    const fetched: string[] = [];
    const source = createRdapFactsSource({
      timeoutMs: 2000,
      bootstrapFile,
      fetch: async (input, init) => {
        fetched.push(String(input));
        return fetch(input, init);
      },
    });
    await expect(source.lookup('broken-again.biz')).rejects.toMatchObject({ code: 'transient' });
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.every((url) => url.startsWith(base))).toBe(true);
  });

  it('without a bootstrap file, reads IANA’s through the fetch it was given', async () => {
    const fetched: string[] = [];
    const source = createRdapFactsSource({
      timeoutMs: 2000,
      fetch: async (input, init) => {
        fetched.push(String(input));
        if (String(input) === 'https://data.iana.org/rdap/dns.json') return new Response(fs.readFileSync(bootstrapFile), { headers: { 'content-type': 'application/json' } });
        return fetch(input, init);
      },
    });
    expect(await source.lookup('named.biz')).toMatchObject({ registrar: 'Example Registrar, Inc.' });
    expect(await source.lookup('numbered.biz')).toMatchObject({ registrar: '1234' });
    // IANA's list is asked for once, then kept.
    expect(fetched.filter((url) => url.includes('iana.org'))).toEqual(['https://data.iana.org/rdap/dns.json']);
    expect(fetched[0]).toBe('https://data.iana.org/rdap/dns.json');
  });

  it('without a bootstrap file and IANA’s list out of reach, says so as a transient failure and asks again next time', async () => {
    let ianaUp = false;
    const source = createRdapFactsSource({
      timeoutMs: 2000,
      fetch: async (input, init) => {
        if (String(input) === 'https://data.iana.org/rdap/dns.json') return ianaUp ? new Response(fs.readFileSync(bootstrapFile)) : new Response('busy', { status: 503 });
        return fetch(input, init);
      },
    });
    await expect(source.lookup('named.biz')).rejects.toMatchObject({
      name: 'RegistrarError',
      code: 'transient',
      registrarMessage: 'RDAP lookup of named.biz failed: no RDAP bootstrap (https://data.iana.org/rdap/dns.json answered 503)',
    });
    ianaUp = true;
    expect(await source.lookup('named.biz')).toMatchObject({ registrar: 'Example Registrar, Inc.' });
  });
});

describe('RDAP status words as EPP statuses', () => {
  it.each([
    ['client transfer prohibited', 'clientTransferProhibited'],
    ['client_delete_prohibited', 'clientDeleteProhibited'],
    ['  pending   transfer ', 'pendingTransfer'],
    ['server-hold', 'serverHold'],
    ['clientTransferProhibited', 'clientTransferProhibited'],
    ['active', 'active'],
  ])('%j is %s', (words, status) => {
    expect(eppStatus(words)).toBe(status);
  });
});
