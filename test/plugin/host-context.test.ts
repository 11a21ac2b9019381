import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createDomainTransferModule, createEventBus, HostContextError, MigrationsPendingError, type HostContext } from '../../module/index.ts';
import { testModuleConfig } from '../../host/test/host.test-support.ts';
import { createEmptyDatabase, useMigratedDatabase } from '../support/test-database.ts';
import { FakeClock } from '../support/fake-clock.ts';

const db = useMigratedDatabase();

function completeContext(): Record<string, any> {
  const fn = async () => undefined;
  return {
    knex: db.knex,
    events: createEventBus(),
    billing: { getClient: fn, createTransferOrder: fn, getInvoice: fn, cancelOrder: fn, cancelUnpaidRenewalInvoices: fn, setAutoRenew: fn, creditOrderItem: fn },
    auth: () => null,
    notifier: { notify: fn },
    clock: new FakeClock(),
    logger: pino({ level: 'silent' }),
    config: testModuleConfig(),
  };
}

function problemsOf(ctx: Record<string, unknown>): string[] {
  try {
    createDomainTransferModule(ctx as unknown as HostContext);
  } catch (error) {
    expect(error).toBeInstanceOf(HostContextError);
    return (error as HostContextError).problems;
  }
  throw new Error('createDomainTransferModule accepted an incomplete context');
}

describe('a host context with a part missing is refused at creation, naming the part', () => {
  it('accepts the complete context', () => {
    expect(() => createDomainTransferModule(completeContext() as HostContext)).not.toThrow();
  });

  for (const port of ['knex', 'events', 'billing', 'auth', 'notifier', 'clock', 'logger', 'config']) {
    it(`names a missing ${port}`, () => {
      const ctx = completeContext();
      delete ctx[port];
      expect(problemsOf(ctx).join('; ')).toMatch(new RegExp(`^${port} is missing`));
    });
  }

  const methods: Array<[string, string]> = [
    ['events', 'on'],
    ['events', 'emit'],
    ['billing', 'getClient'],
    ['billing', 'createTransferOrder'],
    ['billing', 'getInvoice'],
    ['billing', 'cancelOrder'],
    ['billing', 'cancelUnpaidRenewalInvoices'],
    ['billing', 'setAutoRenew'],
    ['notifier', 'notify'],
    ['clock', 'now'],
    ['logger', 'child'],
  ];
  for (const [port, method] of methods) {
    it(`names ${port}.${method} when it is missing`, () => {
      const ctx = completeContext();
      ctx[port] = port === 'logger' ? { trace() {}, debug() {}, info() {}, warn() {}, error() {} } : { ...ctx[port] };
      delete ctx[port][method];
      expect(problemsOf(ctx)).toEqual([`${port}.${method} is missing`]);
    });
  }

  it('names an optional method given as something other than a function, and every problem at once', () => {
    const ctx = completeContext();
    ctx.billing = { ...ctx.billing, getClients: 'yes', createTransferOrder: undefined };
    delete ctx.notifier;
    expect(problemsOf(ctx)).toEqual(['billing.getClients is not a function', 'billing.createTransferOrder is missing', 'notifier is missing']);
  });

  it('names billing.creditOrderItem when paid transfers are to be credited, and takes a host without it that settles by hand', () => {
    const ctx = completeContext();
    delete ctx.billing.creditOrderItem;
    expect(problemsOf(ctx)).toEqual(['billing.creditOrderItem is missing (billing.onPaidTransferEnded is "credit": implement it, or set "admin_decides" to settle paid transfers by hand)']);
    expect(() => createDomainTransferModule({ ...ctx, config: { ...testModuleConfig(), billing: { onPaidTransferEnded: 'admin_decides' } } } as HostContext)).not.toThrow();
  });

  it('refuses a knex instance on an engine the module does not support', () => {
    const ctx = completeContext();
    const pgLike = Object.assign(() => undefined, { transaction: () => undefined, client: { config: { client: 'pg' } } });
    ctx.knex = pgLike;
    expect(problemsOf(ctx)).toEqual(['knex uses client "pg"; the module supports better-sqlite3 and mysql2 (MySQL 8, MariaDB 10.6+)']);
  });
});

describe('start() on a database without the migrations', () => {
  it('names the migrations that are missing and the command that applies them, and touches no table', async () => {
    const empty = await createEmptyDatabase();
    try {
      const module = createDomainTransferModule({ ...completeContext(), knex: empty.knex } as HostContext);
      const error = await module.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationsPendingError);
      expect((error as MigrationsPendingError).pending).toEqual(expect.arrayContaining(['001_core', '006_events']));
      expect((error as Error).message).toContain('npx domain-transfers migrate --context');
      expect(await empty.knex.schema.hasTable('dt_knex_migrations')).toBe(false);
      await module.stop();
    } finally {
      await empty.destroy();
    }
  });
});
