import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { countRows, createTransferWorld, orderTransfer } from './transfer-in.support.ts';
import { eppStatus } from '../../module/transfer-in/rdap-facts.source.ts';

const db = useMigratedDatabase();
const NOW = new Date('2026-06-01T09:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();

/** A local RDAP server (RFC 9083 domain objects), so the lookups run without any outside network. */
const RECORDS: Record<string, object> = {
  'fine-name.biz': { status: ['active'], events: [{ eventAction: 'registration', eventDate: daysAgo(900) }, { eventAction: 'expiration', eventDate: daysAgo(-200) }] },
  'fresh-name.biz': { status: ['active'], events: [{ eventAction: 'registration', eventDate: daysAgo(10) }, { eventAction: 'expiration', eventDate: daysAgo(-355) }] },
  'locked-name.biz': { status: ['client transfer prohibited'], events: [{ eventAction: 'registration', eventDate: daysAgo(900) }, { eventAction: 'expiration', eventDate: daysAgo(-200) }] },
};
let server: http.Server;
let dir: string;
let bootstrapFile: string;
let requests = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests++;
    const name = decodeURIComponent(req.url?.split('/domain/')[1] ?? '').toLowerCase();
    const record = RECORDS[name];
    res.setHeader('content-type', 'application/rdap+json');
    if (!record) {
      res.statusCode = 404;
      res.end(JSON.stringify({ errorCode: 404, title: 'Not Found' }));
      return;
    }
    res.end(JSON.stringify({ objectClassName: 'domain', ldhName: name, rdapConformance: ['rdap_level_0'], ...record }));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-rdap-'));
  bootstrapFile = path.join(dir, 'dns.json');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rdap/`;
  fs.writeFileSync(bootstrapFile, JSON.stringify({ version: '1.0', publication: NOW.toISOString(), services: [[['biz'], [base]]] }));
});
afterAll(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const config = () => ({
  registrars: { sandbox: { adapter: 'sandbox', options: {} }, byhand: { adapter: 'manual', options: {} } },
  tldRouting: { com: 'sandbox', biz: 'byhand' },
  pricing: { currency: 'USD', transferFee: { com: 1099, biz: 1599 } },
  rdap: { enabled: true, timeoutMs: 2000, bootstrapFile },
});

describe('registry facts over RDAP, for a registrar that cannot give them (manual)', () => {
  it('maps RFC 9083 status words to EPP statuses', () => {
    expect(eppStatus('client transfer prohibited')).toBe('clientTransferProhibited');
    expect(eppStatus('pending transfer')).toBe('pendingTransfer');
    expect(eppStatus('active')).toBe('active');
  });

  it.each([
    ['fresh-name.biz', 422, 'was registered less than 60 days ago'],
    ['locked-name.biz', 422, 'Unlock it at your current registrar'],
    ['missing-name.biz', 422, 'is not registered, so there is nothing to transfer'],
  ])('refuse %s before any invoice (%i: "%s")', async (domain, status, message) => {
    const world = await createTransferWorld(db, { config: config() });
    const before = requests;
    const response = await orderTransfer(world, domain, 'Manual-Code-0001');
    expect(requests).toBeGreaterThan(before);
    expect(response.status).toBe(status);
    expect(response.text).toContain(message);
    expect(await countRows(db, 'host_invoices')).toBe(0);
    await world.host.close();
  });

  it('let an eligible domain through to the invoice', async () => {
    const world = await createTransferWorld(db, { config: config() });
    const response = await orderTransfer(world, 'fine-name.biz', 'Manual-Code-0001');
    expect(response.status).toBe(303);
    expect(await countRows(db, 'dt_transfer_orders', { domain: 'fine-name.biz' })).toBe(1);
    await world.host.close();
  });

  it('answer 424, with nothing charged, when the RDAP server is down', async () => {
    const world = await createTransferWorld(db, { config: { ...config(), rdap: { enabled: true, timeoutMs: 500, bootstrapFile: writeBootstrap('http://127.0.0.1:1/rdap/') } } });
    const response = await orderTransfer(world, 'fine-name.biz', 'Manual-Code-0001');
    expect(response.status).toBe(424);
    expect(response.text).toContain('We could not reach the registry');
    expect(await countRows(db, 'host_invoices')).toBe(0);
    await world.host.close();
  });
});

function writeBootstrap(base: string): string {
  const file = path.join(dir, `dns-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify({ version: '1.0', publication: NOW.toISOString(), services: [[['biz'], [base]]] }));
  return file;
}
