import { afterEach, describe, expect, it } from 'vitest';
import { OTHER_CLID, OUR_CLID, OUR_PASSWORD, startEppFixture, type EppFixture } from '../../test/support/epp-registry/epp-registry.fixture.ts';
import { rejection } from '../../test/support/registrar-errors.ts';

const contacts = {
  registrant: { name: 'Ada', email: 'ada@example.test', address: { street: ['1 Road'], city: 'X', postcode: '1', countryCode: 'GB' } },
};

let f: EppFixture | undefined;
afterEach(async () => {
  if (!f) return;
  await f.close();
  expect(await f.registry.schemaFailures()).toEqual([]);
  f = undefined;
});

describe('session lifecycle', () => {
  it('reads the greeting, logs in with the configured objURIs and extURIs, and logs out on close', async () => {
    f = await startEppFixture({
      adapter: {
        objURIs: ['urn:ietf:params:xml:ns:domain-1.0', 'urn:ietf:params:xml:ns:contact-1.0', 'urn:ietf:params:xml:ns:host-1.0'],
        extURIs: ['urn:ietf:params:xml:ns:secDNS-1.1', 'urn:ietf:params:xml:ns:rgp-1.0'],
        clTRIDPrefix: 'ACME',
      },
    });
    f.registry.state.addDomain({ name: 'ours.test', clID: OUR_CLID });
    await f.adapter.getLock('ours.test');
    const login = f.registry.frames[0]!.xml;
    expect(login).toContain(`<clID>${OUR_CLID}</clID>`);
    expect(login).toContain('<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI><objURI>urn:ietf:params:xml:ns:host-1.0</objURI>');
    expect(login).toContain('<svcExtension><extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI><extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI></svcExtension>');
    expect(f.registry.frames.map((x) => x.label).every((l) => l.startsWith('ACME-'))).toBe(true);
    await f.adapter.close();
    expect(f.registry.stats).toMatchObject({ logins: 1, logouts: 1 });
    expect(f.registry.frames.at(-1)!.xml).toContain('<logout/>');
  });

  it('sends <hello/> on the keepalive interval while idle', async () => {
    f = await startEppFixture({ adapter: { keepaliveSeconds: 1 } });
    f.registry.state.addDomain({ name: 'ours.test', clID: OUR_CLID });
    await f.adapter.getLock('ours.test');
    await new Promise((r) => setTimeout(r, 1300));
    expect(f.registry.stats.hellos).toBeGreaterThanOrEqual(1);
    expect(await f.adapter.getLock('ours.test')).toBe(false);
    expect(f.registry.stats.logins).toBe(1);
  });

  it('reports a refused login as authentication_failed and tries no other login until the hold runs out', async () => {
    f = await startEppFixture({ password: 'wrong-password', adapter: { loginRetryAfterSeconds: 1 } });
    const error = await rejection(f.adapter.getLock('x.test'));
    expect([error.code, error.rawCode, error.retryable]).toEqual(['authentication_failed', 2200, true]);
    // Within the hold: the same answer at once, without a connection or a login at the registry.
    for (let i = 0; i < 5; i++) expect((await rejection(f.adapter.getLock('x.test'))).code).toBe('authentication_failed');
    expect(f.registry.stats.connections).toBe(1);
    expect(f.logs.lines().filter((line) => line.includes('EPP login refused: no new login'))).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await rejection(f.adapter.getLock('x.test'))).code).toBe('authentication_failed');
    expect(f.registry.stats.connections).toBe(2);
  });

  it('refuses at create time, naming the option, a missing or out-of-schema password and TLS without a client certificate', async () => {
    f = await startEppFixture();
    const { eppAdapterFactory } = await import('./index.ts');
    const { AdapterOptionError } = await import('../registrar-error.ts');
    const context = { logger: f.logs.logger } as never;
    const create = (options: Record<string, unknown>) => () => eppAdapterFactory.create('x', { host: '127.0.0.1', clientId: 'abc', ...options }, context);
    expect(create({ passwordEnv: 'EPP_SURELY_UNSET_VAR' })).toThrow(/EPP_SURELY_UNSET_VAR/);
    const optionOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(AdapterOptionError);
        return [(error as InstanceType<typeof AdapterOptionError>).option, (error as Error).message];
      }
      return undefined;
    };
    process.env.EPP_OPTION_TEST_PW = 'x'.repeat(17);
    process.env.EPP_OPTION_TEST_SHORT = 'x'.repeat(5);
    try {
      expect(optionOf(create({ passwordEnv: 'EPP_OPTION_TEST_PW' }))).toEqual(['passwordEnv', 'the EPP password in EPP_OPTION_TEST_PW has 17 characters; EPP allows 6 to 16 (RFC 5730)']);
      expect(optionOf(create({ passwordEnv: 'EPP_OPTION_TEST_SHORT' }))?.[0]).toBe('passwordEnv');
      process.env.EPP_OPTION_TEST_PW = 'x'.repeat(16);
      expect(optionOf(create({ passwordEnv: 'EPP_OPTION_TEST_PW' }))?.[0]).toBe('certFile');
      expect(optionOf(create({ passwordEnv: 'EPP_OPTION_TEST_PW', certFile: '/x.pem' }))?.[0]).toBe('keyFile');
      expect(optionOf(create({ passwordEnv: 'EPP_OPTION_TEST_PW', certFile: f.registry.certs.files.clientCert, keyFile: f.registry.certs.files.clientKey, rejectUnauthorized: false }))?.[0]).toBe('rejectUnauthorized');
      expect(optionOf(create({ passwordEnv: 'EPP_OPTION_TEST_PW', certFile: '/nowhere/cert.pem', keyFile: '/nowhere/key.pem' }))).toEqual(['certFile', 'cannot read /nowhere/cert.pem: ENOENT']);
      // A local test registry may go without, and the start says so.
      expect(optionOf(create({ passwordEnv: 'EPP_OPTION_TEST_PW', insecureForTesting: true, rejectUnauthorized: false }))).toBeUndefined();
      expect(f.logs.lines().some((line) => JSON.parse(line).level === 40 && line.includes('insecureForTesting is on'))).toBe(true);
    } finally {
      delete process.env.EPP_OPTION_TEST_PW;
      delete process.env.EPP_OPTION_TEST_SHORT;
    }
  });
});

describe('TLS', () => {
  it('authenticates with a client certificate when the registry requires one', async () => {
    f = await startEppFixture({ registry: { requireClientCert: true }, adapter: {} });
    const certs = f.registry.certs;
    await f.close();
    f = await startEppFixture({
      registry: { requireClientCert: true },
      adapter: { certFile: certs.files.clientCert, keyFile: certs.files.clientKey },
    });
    f.registry.state.addDomain({ name: 'ours.test', clID: OUR_CLID });
    expect(await f.adapter.getLock('ours.test')).toBe(false);
  });

  it('fails as transient without an accepted client certificate, or against an untrusted server', async () => {
    f = await startEppFixture({ registry: { requireClientCert: true }, adapter: { insecureForTesting: true, certFile: undefined, keyFile: undefined } });
    const certs = f.registry.certs;
    expect((await rejection(f.adapter.getLock('x.test'))).code).toBe('transient');
    await f.close();
    f = await startEppFixture({ adapter: { caFile: certs.strangerFiles.cert } });
    const untrusted = await rejection(f.adapter.getLock('x.test'));
    expect(untrusted.code).toBe('transient');
    expect(untrusted.registrarMessage).toMatch(/certificate/i);
  });
});

describe('failures mid-command', () => {
  it('turns a socket dropped mid-command into transient, then reconnects and logs in again', async () => {
    f = await startEppFixture({ adapter: { poolSize: 1 } });
    f.registry.state.addDomain({ name: 'theirs.test', clID: OTHER_CLID, authInfo: 'Right-Code-1' });
    await f.adapter.getDomainInfo('theirs.test');
    f.registry.dropNext('transfer:request');
    const error = await rejection(f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts }));
    expect(error.code).toBe('transient');
    expect(await f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts })).toMatchObject({ kind: 'pending' });
    expect(f.registry.stats.connections).toBe(2);
  });

  it('times out a lost response as transient; the retry meets 2300 already_pending and the query confirms pending', async () => {
    f = await startEppFixture({ adapter: { commandTimeoutMs: 400 } });
    f.registry.state.addDomain({ name: 'theirs.test', clID: OTHER_CLID, authInfo: 'Right-Code-1' });
    f.registry.loseNext('transfer:request');
    const lost = await rejection(f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts }));
    expect(lost.code).toBe('transient');
    expect(lost.registrarMessage).toMatch(/no EPP response/);
    const retry = await rejection(f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts }));
    expect([retry.code, retry.rawCode]).toEqual(['already_pending', 2300]);
    expect(await f.adapter.getTransferStatus('theirs.test')).toMatchObject({ kind: 'pending', requestedAt: f.clock.now() });
  });

  it.each([
    [2500, 'transient'],
    [2501, 'authentication_failed'],
    [2502, 'transient'],
  ])('treats %i as %s and replaces the closed session', async (code, expected) => {
    f = await startEppFixture({ adapter: { poolSize: 1 } });
    f.registry.state.addDomain({ name: 'ours.test', clID: OUR_CLID });
    f.registry.failNext('info', code, 'Closing connection');
    const error = await rejection(f.adapter.getDomainInfo('ours.test'));
    expect([error.code, error.rawCode, error.registrarMessage, error.retryable]).toEqual([expected, code, 'Closing connection', true]);
    expect(await f.adapter.getLock('ours.test')).toBe(false);
    expect(f.registry.stats.logins).toBe(2);
  });
});

describe('session pool', () => {
  it('runs commands in parallel up to the pool size, queues the rest, and gives up as transient after the bounded wait', async () => {
    f = await startEppFixture({ adapter: { poolSize: 2, queueTimeoutMs: 150 } });
    f.registry.state.addDomain({ name: 'ours.test', clID: OUR_CLID });
    f.registry.delayNext('info', 500);
    f.registry.delayNext('info', 500);
    const slow = [f.adapter.getLock('ours.test'), f.adapter.getLock('ours.test')];
    await new Promise((r) => setTimeout(r, 50));
    const queued = await rejection(f.adapter.getLock('ours.test'));
    expect(queued.code).toBe('transient');
    expect(queued.registrarMessage).toMatch(/no EPP session free/);
    await expect(Promise.all(slow)).resolves.toEqual([false, false]);
    // Recovered: both sessions are free again and reused, not reopened.
    await expect(Promise.all([1, 2, 3, 4].map(() => f!.adapter.getLock('ours.test')))).resolves.toEqual([false, false, false, false]);
    expect(f.registry.stats.connections).toBe(2);
  });

  it('hands a freed session to a queued command within the wait', async () => {
    f = await startEppFixture({ adapter: { poolSize: 1, queueTimeoutMs: 2000 } });
    f.registry.state.addDomain({ name: 'ours.test', clID: OUR_CLID });
    f.registry.delayNext('info', 200);
    const results = await Promise.all([f.adapter.getLock('ours.test'), f.adapter.getLock('ours.test'), f.adapter.getLock('ours.test')]);
    expect(results).toEqual([false, false, false]);
    expect(f.registry.stats.connections).toBe(1);
  });

  it('gives every command its own clTRID', async () => {
    f = await startEppFixture({ adapter: { poolSize: 3 } });
    f.registry.state.addDomain({ name: 'ours.test', clID: OUR_CLID });
    await Promise.all(Array.from({ length: 30 }, () => f!.adapter.getLock('ours.test')));
    const labels = f.registry.frames.map((x) => x.label);
    expect(new Set(labels).size).toBe(labels.length);
  });
});

describe('secrets in logs', () => {
  it('never writes the password, an auth code sent, or an auth code received', async () => {
    f = await startEppFixture();
    f.registry.state.addDomain({ name: 'theirs.test', clID: OTHER_CLID, authInfo: 'Their-Secret-Code-7' });
    f.registry.state.addDomain({ name: 'ours.test', clID: OUR_CLID, authInfo: 'Our-Secret-Code-8' });
    await f.adapter.transfer({ domain: 'theirs.test', authCode: 'Their-Secret-Code-7', contacts });
    const fresh = await f.adapter.getEppCode('ours.test');
    await f.adapter.getDomainInfo('ours.test');
    await f.adapter.close();
    const text = f.logs.text();
    expect(text).toContain('EPP frame sent');
    expect(text).toContain('<pw>***</pw>');
    expect(text).toContain('<domain:authInfo>***</domain:authInfo>');
    expect(text).not.toContain(OUR_PASSWORD);
    expect(text).not.toContain('Their-Secret-Code-7');
    expect(text).not.toContain('Our-Secret-Code-8');
    expect(text).not.toContain(fresh.kind === 'code' ? fresh.code : 'unreachable');
  });
});
