import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { TEST_ENCRYPTION_KEY } from '../../host/test/host.test-support.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice } from './transfer-in.support.ts';

const db = useMigratedDatabase();
const BIN = path.resolve(import.meta.dirname, '../../bin/domain-transfers.mjs');

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a worker process killed in the middle of a job', () => {
  it('leaves a lease that expires; another worker re-leases the job and completes it once', async () => {
    // The worker process runs on the system clock, so the world starts from it too: the sandbox's
    // demo domains are dated from the world's start (an expiry 200 days on), whatever today is.
    const world = await createTransferWorld(db, { now: new Date() });
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(world, ordered.headers.location!);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-worker-'));
    const configFile = path.join(dir, 'config.json');
    // A slow registry keeps the worker inside the registrar call when it is killed.
    fs.writeFileSync(configFile, JSON.stringify({
      registrars: { sandbox: { adapter: 'sandbox', options: { latencyMs: 60_000 } } },
      jobs: { leaseMs: 2000, pollIntervalMs: 100 },
      sync: { enabled: false },
    }));
    const child = spawn(process.execPath, [BIN, 'worker', '--concurrency', '1'], {
      env: { ...process.env, DATABASE_URL: db.url, DT_CONFIG: configFile, DT_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DT_DATA_DIR: dir, SESSION_SECRET: 'x', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    try {
      // In the middle of the job: its handler started (the attempt is counted) and waits on the registrar.
      const started = async () => {
        const job = await db.knex('dt_jobs').first();
        return job?.status === 'running' && Number(job.attempts) >= 1;
      };
      await waitFor(started, 20_000, `the worker to start the job (output: ${output})`);
      const leased = await db.knex('dt_jobs').first();
      expect(leased.locked_by).toContain(':');
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }

    // Nobody renews the lease now; until it expires no one else may take the job.
    // The child ran on the system clock; bring the test's clock to the same time.
    world.clock.set(new Date());
    const worker = world.host.module.services.createWorker({ concurrency: 2 });
    expect(await worker.runUntilIdle()).toBe(0);
    await waitFor(async () => Number((await db.knex('dt_jobs').first()).lease_expires_at) < Date.now(), 10_000, 'the lease to expire');
    world.clock.set(new Date());
    // The transfer, then the delivery of the message and of the hook about it.
    expect(await worker.runUntilIdle()).toBe(3);

    const job = await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first();
    expect(job).toMatchObject({ status: 'done', attempts: 2 });
    expect(await countRows(db, 'dt_sandbox_transfers', { domain: 'demo-transferable.com' })).toBe(1);
    expect(await db.knex('dt_domains').where({ domain: 'demo-transferable.com' }).first()).toMatchObject({ status: 'pending' });
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted' });
    await world.host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
