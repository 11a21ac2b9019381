import pino from 'pino';
import type { Knex } from 'knex';
import { buildHost, type Host } from '../host/build-host.ts';
import { AccountRepository } from '../host/accounts/account.repository.ts';
import { demoUsersFromEnv, seedDemoUsers } from '../host/accounts/demo-users.seed.ts';
import { demoModuleDefaults } from '../host/host-config.ts';
import type { SandboxAdapter } from '../registrar-adapters/sandbox/index.ts';

/** The module's encryption key in benchmarks (seeders seal codes with it). */
export const BENCH_ENCRYPTION_KEY = Buffer.alloc(32, 1).toString('base64');

/**
 * The reference host on a benchmark's database: the sandbox registrar with no demo domains and
 * no latency yet (seeding is not timed), jobs and sync left to the benchmark, the demo users.
 */
export async function createBenchHost(knex: Knex, config: Record<string, unknown>): Promise<{ host: Host; clientId: string; sandbox: SandboxAdapter }> {
  const host = buildHost({
    knex,
    logger: pino({ level: 'warn' }),
    env: { SESSION_SECRET: 'bench' },
    config: {
      ...demoModuleDefaults(BENCH_ENCRYPTION_KEY, 'http://localhost:3000'),
      registrars: { sandbox: { adapter: 'sandbox', options: { latencyMs: 0, seedDemoDomains: false } } },
      sync: { enabled: false },
      ...config,
    },
  });
  const demo = demoUsersFromEnv({});
  await seedDemoUsers(new AccountRepository(knex, { now: () => new Date() }), demo);
  const clientId = String((await host.accounts.findUserByEmail(demo.client.email))!.client_id);
  return { host, clientId, sandbox: host.module.registrars.get('sandbox') as SandboxAdapter };
}

/** Turns the sandbox's registry latency on once seeding is done. */
export function setSandboxLatency(sandbox: SandboxAdapter, latencyMs: number): void {
  (sandbox.options as { latencyMs: number }).latencyMs = latencyMs;
}
