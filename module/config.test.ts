import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from './config.ts';
import { factoryMap } from '../registrar-adapters/registry.ts';

const factories = factoryMap();
const validConfig = () => ({
  encryptionKey: crypto.randomBytes(32).toString('base64'),
  registrars: { sandbox: { adapter: 'sandbox', options: {} } },
  tldRouting: { com: 'sandbox' },
  pricing: { transferFee: { com: 1099 } },
});

function problemKeys(raw: unknown): string[] {
  try {
    resolveConfig(raw, factories);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.key);
  }
  throw new Error('expected a ConfigError');
}

describe('module configuration', () => {
  it('fills defaults into a new object and leaves the input untouched', () => {
    const raw = validConfig();
    const before = JSON.stringify(raw);
    const config = resolveConfig(raw, factories);
    expect(JSON.stringify(raw)).toBe(before);
    expect(config.eligibility).toEqual({ daysAfterRegistration: 60, daysAfterTransfer: 60, daysBeforeExpiry: 15, daysAfterRenewal: 45 });
    expect(config.sync.schedule).toBe('0 5 * * *');
    expect(config.sync.stuckAfterDays).toBe(10);
    expect(config.registrars.sandbox!.options).toMatchObject({ autoApproveDays: 5 });
  });

  it.each([
    ['an unknown top-level key', (c: any) => ({ ...c, colour: 'blue' }), 'colour'],
    ['an unknown nested key', (c: any) => ({ ...c, jobs: { concurency: 5 } }), 'jobs.concurency'],
    ['a wrong type', (c: any) => ({ ...c, jobs: { concurrency: 'five' } }), 'jobs.concurrency'],
    ['an out-of-range number', (c: any) => ({ ...c, eligibility: { daysAfterTransfer: -1 } }), 'eligibility.daysAfterTransfer'],
    ['a missing encryption key', ({ encryptionKey, ...c }: any) => c, 'encryptionKey'],
    ['a malformed encryption key', (c: any) => ({ ...c, encryptionKey: 'short' }), 'encryptionKey'],
    ['an unknown adapter type', (c: any) => ({ ...c, registrars: { x: { adapter: 'nope' } }, tldRouting: { com: 'x' } }), 'registrars.x.adapter'],
    ['an unknown adapter option', (c: any) => ({ ...c, registrars: { sandbox: { adapter: 'sandbox', options: { latency: 5 } } } }), 'registrars.sandbox.options.latency'],
    ['a route to a missing registrar', (c: any) => ({ ...c, tldRouting: { com: 'sandbox', net: 'elsewhere' } }), 'tldRouting.net'],
    ['a price for an unrouted TLD', (c: any) => ({ ...c, pricing: { transferFee: { com: 1, org: 1299 } } }), 'pricing.transferFee.org'],
    ['a negative price', (c: any) => ({ ...c, pricing: { transferFee: { com: -5 } } }), 'pricing.transferFee.com'],
    ['a bad currency', (c: any) => ({ ...c, pricing: { currency: 'dollars' } }), 'pricing.currency'],
    ['a stuck threshold of zero days', (c: any) => ({ ...c, sync: { stuckAfterDays: 0 } }), 'sync.stuckAfterDays'],
    ['a stuck threshold over a year', (c: any) => ({ ...c, sync: { stuckAfterDays: 366 } }), 'sync.stuckAfterDays'],
    ['a fractional stuck threshold', (c: any) => ({ ...c, sync: { stuckAfterDays: 2.5 } }), 'sync.stuckAfterDays'],
  ])('names the key for %s', (_label, mutate, key) => {
    expect(problemKeys(mutate(validConfig()))).toContain(key);
  });

  it('says what is wrong in the message, with the key', () => {
    try {
      resolveConfig({ ...validConfig(), sync: { shedule: '0 5 * * *' } }, factories);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe('config key "sync.shedule": is not a known setting');
    }
  });
});
