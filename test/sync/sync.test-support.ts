import pino from 'pino';
import { buildHost, type Host } from '../../host/build-host.ts';
import { clientIdOf, DEMO, seedDemo, testModuleConfig, TEST_ENV } from '../../host/test/host.test-support.ts';
import { createActiveDomain, createPendingDomain } from '../../module/domains/domain-status.machine.ts';
import { SANDBOX_DEMO_AUTH_CODE, type SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import type { SyncFeature } from '../../module/sync/sync.feature.ts';
import type { TestDatabase } from '../support/test-database.ts';
import { FakeClock } from '../support/fake-clock.ts';

export const SYNC_EVENTS = ['domain.transfer.completed', 'domain.transfer.cancelled', 'domain.transferred_away', 'domain.expiry.changed'];

/** `.com` and `.org` go to registrar `sandbox`, `.net` to `backup`: two registrars on one sandbox registry. */
export function syncModuleConfig(overrides: { sync?: Record<string, unknown>; backupOptions?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    ...testModuleConfig(),
    registrars: {
      sandbox: { adapter: 'sandbox', options: { seedDemoDomains: false } },
      backup: { adapter: 'sandbox', label: 'Backup registrar', options: { seedDemoDomains: false, ...overrides.backupOptions } },
    },
    tldRouting: { com: 'sandbox', org: 'sandbox', net: 'backup' },
    pricing: { currency: 'USD', transferFee: { com: 1099, org: 1299, net: 1199 } },
    sync: { enabled: false, retryBackoffMs: 1, callRetries: 1, breakerThreshold: 3, callTimeoutMs: 2000, ...overrides.sync },
  };
}

export interface SyncWorld {
  host: Host;
  clock: FakeClock;
  clientId: string;
  sync: SyncFeature;
  sandbox: SandboxAdapter;
  events: Array<{ name: string; payload: any }>;
  /** Runs the job workers until idle (hook deliveries among them), then returns every hook the host received. */
  hooks(): Promise<Array<{ name: string; payload: any }>>;
  /** A transfer-in accepted by the registry and recorded as a pending domain. */
  addPending(name: string): Promise<{ id: number; reference: string }>;
  /** A domain we sponsor, recorded as active with the given expiry (default: what the registry holds). */
  addActive(name: string, options?: { expiresAt?: Date; recordedExpiry?: Date | null; withService?: boolean }): Promise<number>;
  close(): Promise<void>;
}

export async function createSyncWorld(
  db: TestDatabase,
  options: { clock?: FakeClock; config?: Record<string, unknown>; seed?: boolean } = {},
): Promise<SyncWorld> {
  const clock = options.clock ?? new FakeClock('2026-06-01T09:00:00Z');
  const host = buildHost({ knex: db.knex, clock, config: options.config ?? syncModuleConfig(), logger: pino({ level: 'silent' }), env: TEST_ENV });
  if (options.seed !== false) await seedDemo(db);
  const clientId = await clientIdOf(host, DEMO.client.email);
  const events: SyncWorld['events'] = [];
  for (const name of SYNC_EVENTS) host.bus.on(name, (payload) => void events.push({ name, payload }));
  const sandbox = host.module.registrars.get('sandbox') as SandboxAdapter;
  const registrarFor = (name: string) => host.module.registrars.routeFor(name)!;
  return {
    host,
    clock,
    clientId,
    sync: host.module.services.sync,
    sandbox,
    events,
    async hooks() {
      await host.module.createWorker({ concurrency: 4 }).runUntilIdle();
      return events;
    },
    async addPending(name) {
      await sandbox.registry.addDomain({ name });
      const transfer = await sandbox.registry.requestTransfer(name, sandbox.registry.registrarId, { authCode: SANDBOX_DEMO_AUTH_CODE });
      const id = await db.knex.transaction((trx) =>
        createPendingDomain(trx, { domain: name, clientId, registrarId: registrarFor(name), transferOrderId: null, registrarRef: transfer.reference }, 'test.seed', 'test', clock.now()),
      );
      return { id, reference: transfer.reference };
    },
    async addActive(name, opts = {}) {
      const expiresAt = opts.expiresAt ?? new Date(clock.now().getTime() + 200 * 86_400_000);
      await sandbox.registry.addDomain({ name, sponsor: sandbox.registry.registrarId, expiresAt });
      if (opts.withService) {
        await host.billing.createTransferOrder({ clientId, domain: name, amountMinor: 1099, currency: 'USD', description: `Transfer ${name}` });
      }
      const recorded = opts.recordedExpiry === undefined ? expiresAt : opts.recordedExpiry;
      return db.knex.transaction((trx) => createActiveDomain(trx, { domain: name, clientId, registrarId: registrarFor(name), expiryDate: recorded }, 'test.seed', 'test', clock.now()));
    },
    close: () => host.close(),
  };
}

export async function domainRow(db: TestDatabase, name: string) {
  return db.knex('dt_domains').where({ domain: name }).first();
}

export async function historyOf(db: TestDatabase, name: string) {
  const row = await domainRow(db, name);
  return db.knex('dt_domain_status_history').where({ domain_id: row.id }).orderBy('id');
}

export async function cronRuns(db: TestDatabase, task?: string) {
  const q = db.knex('dt_cron_runs').orderBy('id');
  if (task) q.where({ task });
  return q;
}
