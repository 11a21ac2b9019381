import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostConfigError, loadHostConfig, loginThrottleOf, trustProxyOf } from './host-config.ts';

describe('the reference host settings', () => {
  it('keeps the default SQLite file in DT_DATA_DIR with the generated secrets, unless DATABASE_URL names one', () => {
    const dir = path.join(os.tmpdir(), `dt-data-${process.pid}`);
    expect(loadHostConfig({ DT_DATA_DIR: dir, SESSION_SECRET: 's', DT_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }).databaseUrl).toBe(`sqlite:${path.join(dir, 'domain-transfers.sqlite')}`);
    expect(loadHostConfig({ DT_DATA_DIR: dir, DATABASE_URL: 'sqlite:/elsewhere.sqlite', SESSION_SECRET: 's', DT_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }).databaseUrl).toBe('sqlite:/elsewhere.sqlite');
  });

  it('names a PORT that is not a port', () => {
    expect(() => loadHostConfig({ PORT: 'eighty', SESSION_SECRET: 's', DT_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') })).toThrow(HostConfigError);
  });
});

describe('TRUST_PROXY', () => {
  it('is a hop count when it is a number, which Express would otherwise read as the address 0.0.0.1', () => {
    expect(trustProxyOf({ TRUST_PROXY: '1' })).toBe(1);
    expect(trustProxyOf({ TRUST_PROXY: ' 2 ' })).toBe(2);
    expect(trustProxyOf({ TRUST_PROXY: 'true' })).toBe(true);
    expect(trustProxyOf({ TRUST_PROXY: 'FALSE' })).toBe(false);
    expect(trustProxyOf({})).toBe(false);
    expect(trustProxyOf({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8' })).toBe('loopback, 10.0.0.0/8, fd00::/8');
  });

  it('names the key when it is neither a count, true/false, nor a list of addresses and subnets', () => {
    for (const nonsense of ['yes', '1.5', '10.0.0.0/33', 'loopback,']) {
      expect(() => trustProxyOf({ TRUST_PROXY: nonsense }), nonsense).toThrow(HostConfigError);
      expect(() => trustProxyOf({ TRUST_PROXY: nonsense }), nonsense).toThrow(`TRUST_PROXY "${nonsense}" is not a hop count (1), true, false, or a comma-separated list`);
    }
    expect(() => loadHostConfig({ TRUST_PROXY: 'yes', SESSION_SECRET: 's', DT_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') })).toThrow(/^TRUST_PROXY "yes"/);
  });
});

describe('login throttling settings', () => {
  it('default to 5 failures per account and 20 per address in 15 minutes', () => {
    expect(loginThrottleOf({})).toEqual({ perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 });
    expect(loginThrottleOf({ LOGIN_FAILURES_PER_ACCOUNT: '3', LOGIN_FAILURES_PER_ADDRESS: '50', LOGIN_FAILURE_WINDOW_MINUTES: '60' })).toEqual({ perAccount: 3, perAddress: 50, windowMs: 60 * 60_000 });
  });

  it('name the key that is not a whole number of 1 or more', () => {
    expect(() => loginThrottleOf({ LOGIN_FAILURES_PER_ACCOUNT: '0' })).toThrow('LOGIN_FAILURES_PER_ACCOUNT "0" is not a whole number of 1 or more');
    expect(() => loginThrottleOf({ LOGIN_FAILURE_WINDOW_MINUTES: 'soon' })).toThrow('LOGIN_FAILURE_WINDOW_MINUTES "soon" is not a whole number of 1 or more');
  });
});
