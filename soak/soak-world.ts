import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import pLimit from 'p-limit';
import { buildHost } from '../host/build-host.ts';
import { AccountRepository } from '../host/accounts/account.repository.ts';
import { demoUsersFromEnv, seedDemoUsers } from '../host/accounts/demo-users.seed.ts';
import { demoModuleDefaults } from '../host/host-config.ts';
import { createMigratedDatabase, type TestDatabase } from '../test/support/fresh-database.ts';
import { SANDBOX_DEMO_AUTH_CODE, type SandboxAdapter, type SandboxFaultSpec } from '../registrar-adapters/sandbox/index.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/domain-transfers.mjs');
const KEY = Buffer.alloc(32, 7).toString('base64');

/** Settings the seeding host and every worker process share. */
export interface SoakSettings {
  orders: number;
  workers: number;
  concurrency: number;
  /** The sandbox's answer time, as a real registrar's: 50 ms ± 30 ms. */
  latencyMs: number;
  faults: SandboxFaultSpec[];
}

function moduleConfig(s: SoakSettings) {
  return {
    registrars: { sandbox: { adapter: 'sandbox', options: { latencyMs: s.latencyMs, latencyJitterMs: Math.round(s.latencyMs * 0.6), seedDemoDomains: false } } },
    // Short leases and backoff, so a killed worker's jobs come back within seconds.
    jobs: { runInHost: false, concurrency: s.concurrency, leaseMs: 3000, pollIntervalMs: 100, maxAttempts: 8, backoffBaseMs: 200, backoffCapMs: 2000, registrarCallTimeoutMs: 2000 },
    sync: { enabled: false },
  };
}

/** A fresh migrated database with `orders` paid transfer orders, each a queued TransferDomainJob. */
export async function seedPaidOrders(base: string | undefined, s: SoakSettings, log: (line: string) => void): Promise<TestDatabase> {
  const db = await createMigratedDatabase(base);
  const host = buildHost({
    knex: db.knex,
    logger: pino({ level: 'warn' }),
    env: { SESSION_SECRET: 'soak' },
    config: { ...demoModuleDefaults(KEY, 'http://localhost:3000'), ...moduleConfig({ ...s, latencyMs: 0 }) },
  });
  try {
    const demo = demoUsersFromEnv({});
    await seedDemoUsers(new AccountRepository(db.knex, { now: () => new Date() }), demo);
    const client = await host.accounts.findUserByEmail(demo.client.email);
    const sandbox = host.module.registrars.get('sandbox') as SandboxAdapter;
    const names = Array.from({ length: s.orders }, (_, i) => `soak-${String(i).padStart(6, '0')}.com`);
    await sandbox.registry.addDomains(names.map((name) => ({ name })));
    log(`seeding ${s.orders} paid orders on ${db.engine}`);
    const limit = pLimit(10);
    await Promise.all(
      names.map((domain) =>
        limit(async () => {
          const { order } = await host.module.services.transferOrders.placeOrder(String(client!.client_id), { domain, eppCode: SANDBOX_DEMO_AUTH_CODE });
          await host.payments.pay({ invoiceId: Number(order.invoice_id), gateway: 'admin', recordedBy: 'soak' });
        }),
      ),
    );
    for (const fault of s.faults) await sandbox.registry.addFault(fault);
  } finally {
    await host.close();
  }
  return db;
}

/** `domain-transfers worker` processes, as an operator runs them, with their output kept in a file. */
export class WorkerFleet {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-soak-'));
  private readonly configFile = path.join(this.dir, 'config.json');
  /** Each worker's output, in its own file, so a worker that died can be told apart. */
  private readonly logs = new Map<number, string>();
  private readonly diedPids: number[] = [];
  readonly live = new Set<ChildProcess>();
  /** Workers that ended without being told to: by a signal we did not send, or by an error. */
  readonly died: string[] = [];
  spawned = 0;
  private readonly killed = new WeakSet<ChildProcess>();

  constructor(
    private readonly url: string,
    private readonly settings: SoakSettings,
  ) {
    fs.writeFileSync(this.configFile, JSON.stringify(moduleConfig(settings)));
  }

  spawn(): ChildProcess {
    const logFile = path.join(this.dir, `worker-${this.spawned + 1}.log`);
    const out = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, [BIN, 'worker', '--concurrency', String(this.settings.concurrency)], {
      env: { ...process.env, DATABASE_URL: this.url, DT_CONFIG: this.configFile, DT_ENCRYPTION_KEY: KEY, DT_DATA_DIR: this.dir, SESSION_SECRET: 'soak', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.spawned++;
    this.live.add(child);
    if (child.pid) this.logs.set(child.pid, logFile);
    child.once('exit', (code, signal) => {
      this.live.delete(child);
      if (this.killed.has(child)) return;
      this.died.push(`worker ${child.pid} exited by itself (code ${code}, signal ${signal})`);
      if (child.pid) this.diedPids.push(child.pid);
    });
    return child;
  }

  /** SIGKILL one worker at random: no goodbye, its leases left to expire. */
  killOne(): void {
    const workers = [...this.live];
    const victim = workers[Math.floor(Math.random() * workers.length)];
    if (!victim) return;
    this.killed.add(victim);
    victim.kill('SIGKILL');
  }

  /**
   * SIGTERM to all: they finish the jobs in hand and exit. One still running `graceMs` later is
   * SIGKILLed and named in the answer: a worker that ignores its stop is a failure, not a hang.
   */
  async stopAll(graceMs = 30_000): Promise<string[]> {
    const stubborn: string[] = [];
    const exits = [...this.live].map(
      (child) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            stubborn.push(`worker ${child.pid} did not stop within ${graceMs / 1000} s of SIGTERM`);
            if (child.pid) this.diedPids.push(child.pid);
            child.kill('SIGKILL');
          }, graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    );
    for (const child of this.live) {
      this.killed.add(child);
      child.kill('SIGTERM');
    }
    await Promise.all(exits);
    return stubborn;
  }

  /** The last lines of the workers that died by themselves, or of the last worker started. */
  tail(lines = 30): string {
    const pids = this.diedPids.length ? this.diedPids : [...this.logs.keys()].slice(-1);
    return pids
      .map((pid) => {
        const file = this.logs.get(pid)!;
        const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n') : '';
        return `-- worker ${pid}:\n${text}`;
      })
      .join('\n');
  }

  destroy(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
