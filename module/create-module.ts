import type { ErrorRequestHandler, Router } from 'express';
import type { i18n } from 'i18next';
import type { Logger } from 'pino';
import type { EventHandler, HostContext, Principal } from './host-context.ts';
import { resolveConfig, manifest, type ModuleConfig, type ModuleManifest } from './config.ts';
import { createI18n, MODULE_LOCALES_DIRECTORY } from './i18n.ts';
import { createViewRenderer, MODULE_VIEWS_DIRECTORY, type ViewRenderer } from './http/view-renderer.ts';
import { CsrfTokens } from './http/csrf.ts';
import { PageKit, type NavItem } from './http/page-kit.ts';
import { SecretBox } from './secret-box.ts';
import { MODULE_MIGRATIONS_DIRECTORY, MODULE_MIGRATIONS_TABLE, type MigrationSet } from './migration-source.ts';
import { RegistrarRegistry, factoryMap } from '../registrar-adapters/registry.ts';
import type { RegistrarAdapterFactory } from '../registrar-adapters/types.ts';
import { createModuleServices, type ModuleServices } from './module-services.ts';
import { createRdapFactsSource } from './transfer-in/rdap-facts.source.ts';
import { createClientRouter } from './http/client.router.ts';
import { createAdminRouter } from './http/admin.router.ts';
import type { ScheduledTask } from '../cron/scheduled-task.ts';
import type { JobHandler } from './jobs/job-types.ts';

/** Paths that keep EPP codes and passwords out of every log line the module writes. */
export const LOG_REDACT_PATHS = [
  'eppCode',
  'authCode',
  'password',
  'authInfo',
  '*.eppCode',
  '*.authCode',
  '*.password',
  '*.pw',
  'req.body.eppCode',
  'body.eppCode',
];

export interface ModuleUiOptions {
  /** Searched before the module's own views, so the host can override any template. */
  viewDirectories?: string[];
  /** Extra message catalogs (`<dir>/<locale>/<namespace>.json`). */
  localeDirectories?: string[];
  /** Where to send someone who is not logged in. */
  loginUrl?: string;
  /** Host links shown before the module's own in the page header. */
  navigation?: (principal: Principal | null) => NavItem[];
}

export interface CreateModuleOptions {
  ui?: ModuleUiOptions;
  /** Registrar adapter types beyond sandbox, manual and epp. */
  adapterFactories?: RegistrarAdapterFactory<any>[];
  /** fetch for RDAP lookups (config.rdap), e.g. behind a proxy or in tests. */
  rdapFetch?: typeof fetch;
}

export interface DomainTransferModule {
  manifest: ModuleManifest;
  config: ModuleConfig;
  /** The module's migrations; the host runs them before `start()`. */
  migrations: MigrationSet;
  /** Mount at `/client` and `/admin`. */
  routers: { client: Router; admin: Router };
  /** Hook handlers by event name; the host subscribes them to its bus. */
  hooks: Record<string, EventHandler>;
  /** Job handlers by job type, run by the module's workers. */
  jobs: Record<string, JobHandler>;
  cronTasks: ScheduledTask[];
  registrars: RegistrarRegistry;
  services: ModuleServices;
  /** Shared with the reference host so its pages look and speak the same. */
  pages: PageKit;
  i18n: i18n;
  views: ViewRenderer;
  errorHandler: ErrorRequestHandler;
  /** Seeds demo registry data when configured, then starts in-host workers and the scheduler. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The single registration point: validates config (a bad key throws ConfigError naming it),
 * builds adapters, services, routers, hooks, jobs and cron tasks. Touches no table until start().
 */
export function createDomainTransferModule(ctx: HostContext, options: CreateModuleOptions = {}): DomainTransferModule {
  const factories = factoryMap(options.adapterFactories);
  const config = resolveConfig(ctx.config, factories);
  const logger: Logger = ctx.logger.child({ module: 'domain-transfers' }, { redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } });
  const secretBox = new SecretBox(config.encryptionKey);
  const registrars = new RegistrarRegistry(config.registrars, config.tldRouting, factories, {
    knex: ctx.knex,
    clock: ctx.clock,
    logger,
    registrarId: config.registrarId,
    secrets: { seal: (p, aad) => secretBox.seal(p, aad), open: (s, aad) => secretBox.open(s, aad) },
  });

  const i18n = createI18n([MODULE_LOCALES_DIRECTORY, ...(options.ui?.localeDirectories ?? [])]);
  const views = createViewRenderer({ directories: [...(options.ui?.viewDirectories ?? []), MODULE_VIEWS_DIRECTORY], i18n });
  const pages = new PageKit({
    renderer: views,
    i18n,
    csrf: new CsrfTokens(secretBox.deriveKey('csrf')),
    auth: ctx.auth,
    logger,
    defaultLocale: config.defaultLocale,
    loginUrl: options.ui?.loginUrl ?? '/login',
    navigation: (principal) => [...(options.ui?.navigation?.(principal) ?? []), ...moduleNavigation(principal)],
  });

  const factsSource = config.rdap.enabled
    ? createRdapFactsSource({ timeoutMs: config.rdap.timeoutMs, bootstrapFile: config.rdap.bootstrapFile, fetch: options.rdapFetch })
    : undefined;
  const services = createModuleServices({ ctx, config, logger, registrars, secretBox, i18n, factsSource });

  return {
    manifest,
    config,
    migrations: { directory: MODULE_MIGRATIONS_DIRECTORY, tableName: MODULE_MIGRATIONS_TABLE },
    routers: { client: createClientRouter(pages, services), admin: createAdminRouter(pages, services) },
    hooks: services.hooks,
    jobs: services.jobHandlers,
    cronTasks: services.cronTasks,
    registrars,
    services,
    pages,
    i18n,
    views,
    errorHandler: pages.errorHandler,
    start: () => services.start(),
    async stop() {
      await services.stop();
      await registrars.close();
    },
  };
}

function moduleNavigation(principal: Principal | null): NavItem[] {
  if (principal?.kind === 'client') {
    return [
      { href: '/client/domains', labelKey: 'common:nav.client_domains' },
      { href: '/client/order/domain?action=transfer', labelKey: 'common:nav.client_transfer' },
    ];
  }
  if (principal?.kind === 'admin') {
    return [
      { href: '/admin/domains', labelKey: 'common:nav.admin_domains' },
      { href: '/admin/jobs', labelKey: 'common:nav.admin_jobs' },
      { href: '/admin/sync', labelKey: 'sync:nav' },
      { href: '/admin/registrars/manual-tasks', labelKey: 'common:nav.admin_manual_tasks' },
      { href: '/admin/registrars/sandbox', labelKey: 'common:nav.admin_sandbox' },
    ];
  }
  return [];
}
