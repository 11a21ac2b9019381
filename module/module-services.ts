import type { Languages } from './i18n.ts';
import type { Logger } from 'pino';
import type { Knex } from 'knex';
import type { ClientProfile, Clock, EventHandler, HostContext, InvoicePaidEvent } from './host-context.ts';
import type { ModuleConfig } from './config.ts';
import type { SecretBox } from './secret-box.ts';
import type { RegistrarRegistry } from '../registrar-adapters/registry.ts';
import type { ScheduledTask } from '../cron/scheduled-task.ts';
import { createSyncFeature, type SyncFeature } from './sync/sync.feature.ts';
import { JobQueue, type JobRow } from './jobs/job-queue.ts';
import { JobWorker } from './jobs/job-worker.ts';
import type { JobHandler } from './jobs/job-types.ts';
import { ModuleNotifications, SEND_NOTIFICATIONS_JOB } from './notifications.ts';
import { DELIVER_EVENTS_JOB, EventOutbox } from './events/event-outbox.ts';
import { CREDIT_ORDER_ITEM_JOB, PaidTransferSettlements } from './billing/settlements.ts';
import { createOrderExpiryTask } from './transfer-in/order-expiry.task.ts';
import { IssueOnceTokens } from './transfer-out/issue-once.tokens.ts';
import { intervalSlots } from '../cron/cron-slots.ts';
import { ConflictError } from './errors.ts';
import { BULK_CHECK_JOB, BULK_CONFIRM_JOB, BulkImportService, createBulkPreviewExpiryTask } from './bulk/bulk-import.service.ts';
import { confirmBulkImport, createBulkConfirmJob, type BulkConfirmDeps } from './bulk/bulk-confirm.job.ts';
import { BULK_DOMAIN_ACTION_JOB, BulkDomainActions } from './bulk/bulk-domain-actions.ts';
import { createBulkDomainActionJob } from './bulk/bulk-domain-action.job.ts';
import { ApiKeys } from './api/api-keys.ts';
import { checkBulkImport, createBulkCheckJob } from './bulk/bulk-check.job.ts';
import { TransferEligibility, type RegistryFactsSource } from './transfer-in/transfer-eligibility.service.ts';
import { TransferOrderService, TRANSFER_DOMAIN_JOB } from './transfer-in/transfer-order.service.ts';
import { createTransferDomainJob } from './transfer-in/transfer-domain.job.ts';
import { DomainQueries } from './domains/domain.queries.ts';
import { AuthCodeLifecycle, CLEAR_EPP_CODE_JOB } from './transfer-out/auth-code-lifecycle.ts';
import { DashboardQueries } from './domains/dashboard.queries.ts';
import { TransferOutService } from './transfer-out/transfer-out.service.ts';
import { adoptDomain, type AdoptDomainInput, type AdoptedDomain } from './transfer-out/domain-adoption.service.ts';

export interface ModuleServices {
  knex: Knex;
  clock: Clock;
  /** The message catalogs, for text outside a page (the command line's reports). */
  languages: Languages;
  queue: JobQueue;
  notifications: ModuleNotifications;
  /** The hooks the module emits: recorded with the change, delivered by the workers. */
  outbox: EventOutbox;
  /** What happens to the money of a paid transfer that ended without the domain. */
  settlements: PaidTransferSettlements;
  /** One-time tokens of the Get EPP Code form: a reload does not fetch a second code. */
  issueOnce: IssueOnceTokens;
  /** Clients' names by id, for admin pages (one batch call when the host's billing offers it). */
  clientNames(clientIds: string[]): Promise<Map<string, string>>;
  eligibility: TransferEligibility;
  /** Bulk transfer by CSV: previews checked row by row, confirmed or left to expire. */
  bulkImports: BulkImportService;
  /** Retry, sync, lock or unlock every domain a Domains list filter selects. */
  bulkActions: BulkDomainActions;
  /** Keys for the JSON API: made and revoked by admins, checked on every API request. */
  apiKeys: ApiKeys;
  transferOrders: TransferOrderService;
  domains: DomainQueries;
  /** RFC 9154: the record of codes set at registries, and their unsetting. */
  codes: AuthCodeLifecycle;
  /** The admin dashboard's counts, last sync run and transfers per day. */
  dashboard: DashboardQueries;
  /** Lock, "Get EPP Code" and pending outgoing transfers, for clients and admins. */
  transferOut: TransferOutService;
  /**
   * Takes a domain we already sponsor under management as `active` for a client (host demo
   * seed, imports). Adopting the same domain for the same client again is a no-op.
   */
  adoptDomain(input: AdoptDomainInput): Promise<AdoptedDomain>;
  registrars: RegistrarRegistry;
  hooks: Record<string, EventHandler>;
  jobHandlers: Record<string, JobHandler>;
  cronTasks: ScheduledTask[];
  /** sync-domain-statuses: the scheduler (05:00, pending cadence, registry push), runs and the admin/CLI entry. */
  sync: SyncFeature;
  /**
   * Admin retry of a dead job. A dead transfer job has already marked its order failed, so it
   * is retried through the order (a new dispatch); other jobs get a fresh set of attempts.
   */
  retryDeadJob(job: JobRow): Promise<void>;
  /** A worker for this process; `start()` runs it when config.jobs.runInHost is on. */
  createWorker(overrides?: { concurrency?: number; workerId?: string }): JobWorker;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Wires the module's services together. Nothing here touches the database until called. */
export function createModuleServices(deps: {
  ctx: HostContext;
  config: ModuleConfig;
  logger: Logger;
  registrars: RegistrarRegistry;
  secretBox: SecretBox;
  languages: Languages;
  /** Public addresses of the module's client and admin pages, for links in messages. */
  links: { clientUrl: string; adminUrl: string };
  factsSource?: RegistryFactsSource;
}): ModuleServices {
  const { ctx, config, logger, registrars, secretBox } = deps;
  const queue = new JobQueue(ctx.knex, ctx.clock, config.jobs);
  const notifications = new ModuleNotifications({
    notifier: ctx.notifier,
    billing: ctx.billing,
    languages: deps.languages,
    logger,
    defaultLocale: config.defaultLocale,
    links: deps.links,
    queue,
  });
  const outbox = new EventOutbox({ knex: ctx.knex, clock: ctx.clock, queue, bus: ctx.events, logger: logger.child({ component: 'events' }) });
  const settlements = new PaidTransferSettlements({
    knex: ctx.knex,
    clock: ctx.clock,
    billing: ctx.billing,
    queue,
    notifications,
    logger: logger.child({ component: 'settlements' }),
    policy: config.billing.onPaidTransferEnded,
  });
  const codes = new AuthCodeLifecycle({
    knex: ctx.knex,
    clock: ctx.clock,
    logger: logger.child({ component: 'auth-codes' }),
    queue,
    registrars,
    ttlHours: config.transferOut.codeTtlHours,
    registrarCallTimeoutMs: config.jobs.registrarCallTimeoutMs,
    notifications,
    codeIssuedNotice: config.policy.codeIssuedNotice,
  });
  const eligibility = new TransferEligibility({ knex: ctx.knex, config, registrars, clock: ctx.clock, logger, factsSource: deps.factsSource });
  const transferOrders = new TransferOrderService({
    knex: ctx.knex,
    config,
    billing: ctx.billing,
    clock: ctx.clock,
    logger,
    secretBox,
    queue,
    eligibility,
    notifications,
    outbox,
    settlements,
  });
  const bulkCheck = { knex: ctx.knex, clock: ctx.clock, eligibility, concurrency: config.bulk.checkConcurrency };
  const bulkConfirm: BulkConfirmDeps = { knex: ctx.knex, clock: ctx.clock, logger: logger.child({ component: 'bulk' }), billing: ctx.billing, secretBox, eligibility };
  const jobHandlers: Record<string, JobHandler> = {
    [TRANSFER_DOMAIN_JOB]: createTransferDomainJob({
      registrarCallTimeoutMs: config.jobs.registrarCallTimeoutMs,
      knex: ctx.knex,
      clock: ctx.clock,
      logger,
      events: ctx.events,
      billing: ctx.billing,
      secretBox,
      registrars,
      notifications,
      queue,
      outbox,
      codes,
    }),
    [CLEAR_EPP_CODE_JOB]: codes.job,
    [SEND_NOTIFICATIONS_JOB]: notifications.deliveryJob,
    [DELIVER_EVENTS_JOB]: outbox.deliveryJob,
    [CREDIT_ORDER_ITEM_JOB]: settlements.creditJob,
    [BULK_CHECK_JOB]: createBulkCheckJob(bulkCheck),
    [BULK_CONFIRM_JOB]: createBulkConfirmJob(bulkConfirm),
  };
  const bulkImports = new BulkImportService({
    knex: ctx.knex,
    clock: ctx.clock,
    logger: logger.child({ component: 'bulk' }),
    config: config.bulk,
    secretBox,
    billing: ctx.billing,
    queue,
    work: { check: (importId) => checkBulkImport(bulkCheck, importId), confirm: (importId) => confirmBulkImport(bulkConfirm, importId) },
  });
  const bulkExpiry = createBulkPreviewExpiryTask(bulkImports);
  const hooks: Record<string, EventHandler> = {
    'invoice.paid': (event: InvoicePaidEvent) => transferOrders.onInvoicePaid(event),
  };

  const createWorker = (overrides: { concurrency?: number; workerId?: string } = {}) =>
    new JobWorker(queue, jobHandlers, {
      concurrency: overrides.concurrency ?? config.jobs.concurrency,
      pollIntervalMs: config.jobs.pollIntervalMs,
      leaseMs: config.jobs.leaseMs,
      logger: logger.child({ component: 'jobs' }),
      workerId: overrides.workerId,
      onDead: (job, error) =>
        notifications.send({ kind: 'admins' }, 'job.dead', { jobId: job.id, jobType: job.type, attempts: job.attempts, error }),
    });

  const domains = new DomainQueries(ctx.knex);
  const expiry = createOrderExpiryTask({ knex: ctx.knex, clock: ctx.clock, logger, orders: config.orders, transferOrders });
  const sync = createSyncFeature({
    knex: ctx.knex,
    clock: ctx.clock,
    logger,
    outbox,
    queue,
    billing: ctx.billing,
    notifications,
    registrars,
    config,
    settlements,
    codes,
    otherTasks: [
      { task: expiry, slots: intervalSlots(60), keepRunsMs: 7 * 24 * 60 * 60 * 1000 },
      { task: bulkExpiry, slots: intervalSlots(5), keepRunsMs: 24 * 60 * 60 * 1000 },
    ],
  });
  const transferOut = new TransferOutService({ knex: ctx.knex, clock: ctx.clock, logger, config, registrars, domains, codes });
  const bulkActions = new BulkDomainActions({ knex: ctx.knex, clock: ctx.clock, queue, maxDomains: config.bulk.maxActionDomains });
  // Added once the services it drives exist; workers read the handlers when they run a job.
  jobHandlers[BULK_DOMAIN_ACTION_JOB] = createBulkDomainActionJob({
    knex: ctx.knex,
    clock: ctx.clock,
    logger: logger.child({ component: 'bulk' }),
    transferOrders,
    syncRunner: sync.runner,
    transferOut,
    concurrency: config.bulk.actionConcurrency,
  });
  let worker: JobWorker | undefined;
  return {
    knex: ctx.knex,
    clock: ctx.clock,
    queue,
    notifications,
    outbox,
    codes,
    settlements,
    languages: deps.languages,
    issueOnce: new IssueOnceTokens(ctx.knex, ctx.clock, secretBox.deriveKey('issue-once')),
    async clientNames(clientIds) {
      const ids = [...new Set(clientIds)];
      if (!ids.length) return new Map();
      const profiles = ctx.billing.getClients
        ? await ctx.billing.getClients(ids)
        : new Map((await Promise.all(ids.map(async (id) => [id, await ctx.billing.getClient(id)] as const))).filter((e): e is [string, ClientProfile] => e[1] !== null));
      return new Map([...profiles].map(([id, profile]) => [id, profile.name]));
    },
    eligibility,
    transferOrders,
    domains,
    dashboard: new DashboardQueries(ctx.knex, ctx.clock, { stuckAfterDays: config.sync.stuckAfterDays, codeResubmissionsPerOrder: config.transferIn.codeResubmissionsPerOrder }),
    transferOut,
    adoptDomain: (input) => adoptDomain({ knex: ctx.knex, clock: ctx.clock, logger, registrars }, input),
    registrars,
    hooks,
    jobHandlers,
    cronTasks: [...sync.tasks, expiry, bulkExpiry],
    bulkImports,
    bulkActions,
    apiKeys: new ApiKeys({ knex: ctx.knex, clock: ctx.clock }),
    sync,
    createWorker,
    async retryDeadJob(job) {
      if (job.type === TRANSFER_DOMAIN_JOB) {
        const order = await ctx.knex('dt_transfer_orders').where({ id: Number(JSON.parse(job.payload).transferOrderId) }).first('domain', 'status');
        if (order?.status !== 'failed') throw new ConflictError('jobs:not_retryable', { status: order?.status ?? job.status });
        await transferOrders.adminDispatch(order.domain);
        // The new dispatch carries the work on; this job has nothing left to do.
        await ctx.knex('dt_jobs').where({ id: job.id, status: 'dead' }).update({ status: 'done', updated_at: ctx.clock.now().getTime() });
        return;
      }
      await queue.retry(job.id);
    },
    /** Workers and the scheduler; the module's prepare() (migrations checked, registrars ready) comes first. */
    async start() {
      if (config.jobs.runInHost) {
        worker = createWorker();
        worker.start();
      }
      if (config.sync.enabled) sync.start();
    },
    async stop() {
      await sync.stop();
      await worker?.stop();
      worker = undefined;
    },
  };
}
