import type { Logger } from 'pino';
import type { Clock } from '../module/host-context.ts';
import type { CronRunStatus, CronRunStore } from './cron-run.store.ts';

export interface LeaseSettings {
  leaseMs: number;
  /** How often the lease is renewed; a third of the lease leaves two chances to renew. */
  heartbeatMs: number;
}

const PROGRESS_MS = 1000;

export interface LeasedOutcome<Summary> {
  runId: number;
  status: Exclude<CronRunStatus, 'running'>;
  summary: Summary | null;
  error: string | null;
}

/**
 * Runs `body` while holding the lease on run `runId`. The heartbeat renews it; when a renewal
 * finds the run no longer ours (another instance took it over) or cannot reach the database
 * before the lease runs out, the signal is aborted and the body must stop promptly.
 */
export async function runWithLease<Summary extends object>(
  deps: { store: CronRunStore; clock: Clock; logger: Logger; owner: string; settings: LeaseSettings; stopSignal?: AbortSignal },
  runId: number,
  body: (signal: AbortSignal, report: (progress: object) => void) => Promise<Summary>,
): Promise<LeasedOutcome<Summary>> {
  const { store, clock, logger, owner, settings } = deps;
  const controller = new AbortController();
  let expiresAt = clock.now().getTime() + settings.leaseMs;
  let renewing = false;
  const lose = (reason: string) => {
    if (controller.signal.aborted) return;
    logger.warn({ runId, reason }, 'cron run lost its lease: stopping');
    controller.abort(new Error(reason));
  };
  const onStop = () => controller.abort(new Error('scheduler stopped'));
  deps.stopSignal?.addEventListener('abort', onStop, { once: true });
  const heartbeat = setInterval(() => {
    if (renewing || controller.signal.aborted) return;
    renewing = true;
    store
      .renew(runId, owner, settings.leaseMs)
      .then((renewed) => {
        if (renewed) expiresAt = clock.now().getTime() + settings.leaseMs;
        else lose('the run is no longer ours (taken over or finished elsewhere)');
      })
      .catch((error) => {
        logger.error({ err: error, runId }, 'renewing a cron lease failed');
        if (clock.now().getTime() >= expiresAt) lose('could not renew the lease before it expired');
      })
      .finally(() => {
        renewing = false;
      });
  }, settings.heartbeatMs);
  heartbeat.unref();

  // The summary so far, written at most every PROGRESS_MS so the admin page can follow a run.
  let lastSaved = 0;
  let saving: Promise<unknown> = Promise.resolve();
  const report = (progress: object) => {
    const now = Date.now();
    if (now - lastSaved < PROGRESS_MS || controller.signal.aborted) return;
    lastSaved = now;
    const snapshot = JSON.stringify(progress);
    saving = saving.then(() => store.saveProgress(runId, owner, snapshot)).catch((e: unknown) => logger.warn({ err: e, runId }, 'saving run progress failed'));
  };

  let summary: Summary | null = null;
  let error: string | null = null;
  try {
    summary = await body(controller.signal, report);
  } catch (caught) {
    error = caught instanceof Error ? (caught.stack ?? caught.message) : String(caught);
    logger.error({ err: caught, runId }, 'cron run failed');
  } finally {
    clearInterval(heartbeat);
    deps.stopSignal?.removeEventListener('abort', onStop);
    await saving;
  }

  if (controller.signal.aborted && deps.stopSignal?.aborted && !error) {
    // A shutdown, not a takeover: hand the slot back at once so another instance (or this
    // one, restarted) takes it over instead of waiting for the lease to run out.
    await store.release(runId, owner, summary);
    return { runId, status: 'lost', summary, error: 'stopped by shutdown' };
  }
  if (controller.signal.aborted) {
    await store.markLost(runId, owner, summary);
    return { runId, status: 'lost', summary, error: String((controller.signal.reason as Error)?.message ?? 'lease lost') };
  }
  const status = error ? 'failed' : 'succeeded';
  const finished = await store.finish(runId, owner, status, summary, error);
  return { runId, status: finished ? status : 'lost', summary, error };
}
