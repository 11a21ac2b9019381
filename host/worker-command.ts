import { migrateLatest } from '../module/index.ts';
import { HOST_MIGRATIONS } from './host-migrations.ts';
import { openHost, type Output } from './start-host.ts';

export interface WorkerOptions {
  concurrency?: number;
  /** Run every due job, then exit, instead of waiting for more. */
  once: boolean;
}

export function parseWorkerArgs(args: string[]): WorkerOptions | string {
  const options: WorkerOptions = { once: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--once') options.once = true;
    else if (arg === '--concurrency') {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 500) return '--concurrency needs a whole number from 1 to 500';
      options.concurrency = value;
    } else return `unknown option ${arg}`;
  }
  return options;
}

/**
 * A standalone job worker: the host's ports without its web server. Several may run at once
 * against one database; leases keep them from running a job twice.
 */
export async function runWorker(env: NodeJS.ProcessEnv, options: WorkerOptions, output: Output, signals: NodeJS.EventEmitter = process): Promise<number> {
  const opened = await openHost(env);
  try {
    await migrateLatest(opened.knex, [opened.host.module.migrations, HOST_MIGRATIONS]);
    for (const adapter of opened.host.module.registrars.all()) await adapter.init?.();
    const worker = opened.host.module.services.createWorker({ concurrency: options.concurrency });
    if (options.once) {
      const processed = await worker.runUntilIdle();
      output.out(`worker ${worker.workerId}: ${processed} job(s) processed`);
      return 0;
    }
    output.out(`worker ${worker.workerId} started (concurrency ${options.concurrency ?? opened.host.module.config.jobs.concurrency})`);
    worker.start();
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      signals.once('SIGINT', stop);
      signals.once('SIGTERM', stop);
    });
    output.out(`worker ${worker.workerId} stopping: finishing the jobs in hand`);
    await worker.stop();
    return 0;
  } finally {
    await opened.close();
  }
}
