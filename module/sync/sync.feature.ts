import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuthCodeLifecycle } from '../transfer-out/auth-code-lifecycle.ts';
import type { BillingPort, Clock } from '../host-context.ts';
import type { EventOutbox } from '../events/event-outbox.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { ModuleConfig } from '../config.ts';
import type { ModuleNotifications } from '../notifications.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import { StatusApplier } from './status-applier.ts';
import { SyncRunService } from './sync-run.service.ts';
import { RegistryPush } from './registry-push.ts';
import type { SyncSummary } from './sync-summary.ts';
import { CronRunStore, type CronRunRow } from '../../cron/cron-run.store.ts';
import { cronSlots, intervalSlots } from '../../cron/cron-slots.ts';
import { CronScheduler, type ManualRun, type ScheduleEntry } from '../../cron/cron.scheduler.ts';
import type { PaidTransferSettlements } from '../billing/settlements.ts';
import type { ScheduledTask, ScheduledTaskRunOptions } from '../../cron/scheduled-task.ts';

export const SYNC_TASK_ID = 'sync-domain-statuses';
export const PENDING_TASK_ID = 'sync-pending-transfers';
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export interface SyncFeature {
  /** The daily 05:00 run and the pending cadence, as ScheduledTask values. */
  tasks: ScheduledTask<SyncSummary>[];
  scheduler: CronScheduler;
  runner: SyncRunService;
  applier: StatusApplier;
  push: RegistryPush;
  runs: CronRunStore;
  settings: ModuleConfig['sync'];
  /** config.sync.enabled: whether start() runs the scheduler in this process. */
  enabled: boolean;
  /** CLI and admin button: the same task the 05:00 slot runs. */
  runNow(options: { trigger: 'cli' | 'admin' | 'host'; dryRun?: boolean; domain?: string; onProgress?: (summary: SyncSummary) => void }): Promise<ManualRun>;
  recentRuns(limit?: number): Promise<CronRunRow[]>;
  /** Starts the minute timer (catch-up included) when config.sync.enabled. */
  start(): void;
  stop(): Promise<void>;
}

export function createSyncFeature(deps: {
  knex: Knex;
  clock: Clock;
  logger: Logger;
  outbox: EventOutbox;
  queue: JobQueue;
  billing: BillingPort;
  notifications: ModuleNotifications;
  registrars: RegistrarRegistry;
  config: ModuleConfig;
  settlements: PaidTransferSettlements;
  codes: AuthCodeLifecycle;
  /** The module's other scheduled tasks, run by the same leased scheduler. */
  otherTasks?: ScheduleEntry[];
  /** Tests run two "instances" in one process; each needs its own owner id. */
  owner?: string;
  heartbeatMs?: number;
}): SyncFeature {
  const settings = deps.config.sync;
  const logger = deps.logger.child({ component: 'sync' });
  const applier = new StatusApplier({ knex: deps.knex, clock: deps.clock, outbox: deps.outbox, queue: deps.queue, settlements: deps.settlements, billing: deps.billing, notifications: deps.notifications, logger, codes: deps.codes });
  const runner = new SyncRunService({ knex: deps.knex, clock: deps.clock, logger, registrars: deps.registrars, applier, notifications: deps.notifications, settings });
  const push = new RegistryPush({ knex: deps.knex, registrars: deps.registrars, applier, logger, callTimeoutMs: settings.callTimeoutMs });
  const runs = new CronRunStore(deps.knex, deps.clock);

  const execute = (mode: 'full' | 'pending') => (options: ScheduledTaskRunOptions) =>
    runner.run({
      mode,
      trigger: options.trigger,
      actor: options.runId ? `sync:run-${options.runId}` : `sync:${options.trigger}`,
      dryRun: options.dryRun,
      domain: options.domain,
      // The pending cadence leaves alone what was checked in this slot already (by 05:00).
      checkedBefore: mode === 'pending' ? options.slotAt : undefined,
      signal: options.signal,
      onProgress: options.onProgress,
    });

  const daily: ScheduledTask<SyncSummary> = {
    id: SYNC_TASK_ID,
    schedule: settings.schedule,
    timezone: settings.timezone,
    description: 'Moves pending transfers to active or cancelled, detects domains that left, and updates expiry dates.',
    execute: execute('full'),
  };
  const pending: ScheduledTask<SyncSummary> = {
    id: PENDING_TASK_ID,
    schedule: `every ${settings.pendingCheckMinutes} min`,
    timezone: 'UTC',
    description: 'Checks pending transfers between the daily runs.',
    execute: execute('pending'),
  };

  const leaseMs = settings.leaseSeconds * 1000;
  const scheduler = new CronScheduler(
    { store: runs, clock: deps.clock, logger, owner: deps.owner, lease: { leaseMs, heartbeatMs: deps.heartbeatMs ?? Math.max(50, Math.floor(leaseMs / 3)) } },
    [
      { task: daily, slots: cronSlots(settings.schedule, settings.timezone) },
      { task: pending, slots: intervalSlots(settings.pendingCheckMinutes), keepRunsMs: WEEK_MS },
      ...(deps.otherTasks ?? []),
    ],
  );
  scheduler.onTick(async () => {
    await push.pollAll();
  });

  return {
    tasks: [daily, pending],
    scheduler,
    runner,
    applier,
    push,
    runs,
    settings,
    enabled: settings.enabled,
    runNow: (options) => scheduler.runNow(SYNC_TASK_ID, { ...options, onProgress: options.onProgress as ((summary: object) => void) | undefined }),
    recentRuns: (limit = 20) => runs.recent([SYNC_TASK_ID, PENDING_TASK_ID], limit),
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}
