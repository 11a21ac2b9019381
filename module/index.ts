/**
 * `domain-transfers`: the module's public entry. A host imports from here (and from
 * `domain-transfers/registrar-adapters` for its own registrars) and nowhere else.
 */
export { createDomainTransferModule, LOG_REDACT_PATHS } from './create-module.ts';
export type { DomainTransferModule, CreateModuleOptions, ModuleUiOptions, ModuleWorker, SyncRunResult } from './create-module.ts';
export type {
  HostContext,
  Principal,
  ClientPrincipal,
  AdminPrincipal,
  Clock,
  EventBus,
  EventHandler,
  BillingPort,
  CreditRequest,
  ClientProfile,
  BulkOrderRequest,
  CreatedBulkOrder,
  CreatedOrder,
  InvoiceView,
  InvoicePaidEvent,
  Notifier,
  Notification,
  NotificationRecipient,
} from './host-context.ts';
export { HostContextError } from './host-context.check.ts';
export type {
  DomainTransferEvents,
  DomainTransferEventName,
  DomainEventBase,
  HostOrderRefs,
  TransferBeforeEvent,
  TransferRequestedEvent,
  TransferFailedEvent,
  TransferCompletedEvent,
  TransferCancelledEvent,
  TransferredAwayEvent,
  ExpiryChangedEvent,
} from './events/domain-events.ts';
export { DELIVERED_EVENT_NAMES } from './events/domain-events.ts';
export { createEventBus } from './event-bus.ts';
export { ConfigError, manifest, resolveConfig } from './config.ts';
export type { ModuleConfig, ModuleManifest } from './config.ts';
export {
  DEFAULT_DATABASE_URL,
  DatabaseError,
  assertReachable,
  createKnex,
  describeTarget,
  engineOf,
  parseDatabaseUrl,
  redactUrl,
} from './database.ts';
export type { DatabaseTarget } from './database.ts';
export {
  migrateLatest,
  migrateDownAll,
  pendingMigrations,
  MigrationsPendingError,
  MODULE_MIGRATIONS_DIRECTORY,
  MODULE_MIGRATIONS_TABLE,
} from './migration-source.ts';
export type { MigrationSet } from './migration-source.ts';
export { systemClock } from './clock.ts';
/** A domain name as people read it (`xn--mnchen-3ya.com` → `münchen.com`), for a host's own pages. */
export { toUnicode as domainToUnicode } from './transfer-in/domain-name.ts';
export { AppError, NotFoundError, ForbiddenError, InputError, ConflictError } from './errors.ts';
export type { PageKit, NavItem, MountPaths } from './http/page-kit.ts';
export type { Locale } from './i18n.ts';
export type { AdoptDomainInput, AdoptedDomain } from './transfer-out/domain-adoption.service.ts';
export type { SyncSummary } from './sync/sync-summary.ts';
export type { Contact, TransferContacts } from '../registrar-adapters/types.ts';
export type { SandboxControls } from '../registrar-adapters/sandbox/sandbox.controls.ts';
/** The sandbox registry's demo domains, so a host can hand the ones we sponsor to a demo client. */
export { SANDBOX_DEMO_DOMAINS, SANDBOX_DEMO_AUTH_CODE } from '../registrar-adapters/sandbox/sandbox.demo-data.ts';
/** The module's command line (`domain-transfers migrate|worker|sync-domain-statuses --context FILE`), for a host's own CLI. */
export { runModuleCli, MODULE_COMMANDS } from './cli/module-cli.ts';
export type { CliHost, CliHostFactory, CliOutput } from './cli/module-cli.ts';
