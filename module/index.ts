/**
 * The module's public entry. A host imports from here and nowhere else.
 */
export { createDomainTransferModule, LOG_REDACT_PATHS } from './create-module.ts';
export type { DomainTransferModule, CreateModuleOptions, ModuleUiOptions } from './create-module.ts';
export type {
  HostContext,
  Principal,
  Clock,
  EventBus,
  EventHandler,
  BillingPort,
  ClientProfile,
  CreatedOrder,
  InvoiceView,
  InvoicePaidEvent,
  Notifier,
  Notification,
  NotificationRecipient,
} from './host-context.ts';
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
export { migrateLatest, migrateDownAll, MODULE_MIGRATIONS_DIRECTORY, MODULE_MIGRATIONS_TABLE } from './migration-source.ts';
export type { MigrationSet } from './migration-source.ts';
export { systemClock } from './clock.ts';
export { AppError, NotFoundError, ForbiddenError, InputError, ConflictError } from './errors.ts';
export type { PageKit, NavItem } from './http/page-kit.ts';
export { route } from './http/page-kit.ts';
export { SUPPORTED_LOCALES } from './i18n.ts';
export type { Locale } from './i18n.ts';
export type { Contact, TransferContacts } from '../registrar-adapters/types.ts';
/** The sandbox registry's demo domains, so a host can hand the ones we sponsor to a demo client. */
export { SANDBOX_DEMO_DOMAINS, SANDBOX_DEMO_AUTH_CODE } from '../registrar-adapters/sandbox/index.ts';
/** The sync run as a command line (progress bar on a TTY), for a host's CLI. */
export { runSyncCommand, SYNC_COMMAND_USAGE } from '../cron/sync.command.ts';
