import type { ErrorRequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import type { HostContext, Principal } from './host-context.ts';
import { assertHostContext, HostContextError } from './host-context.check.ts';
import { ConfigError, resolveConfig, manifest, type ModuleConfig, type ModuleManifest } from './config.ts';
import { Languages, MODULE_LOCALES_DIRECTORY, type Locale } from './i18n.ts';
import { createViewRenderer, MODULE_VIEWS_DIRECTORY, type ViewRenderer } from './http/view-renderer.ts';
import { CsrfTokens } from './http/csrf.ts';
import { PageKit, type MountPaths, type NavItem } from './http/page-kit.ts';
import { ModuleAssets } from './http/module-assets.ts';
import { SecretBox } from './secret-box.ts';
import { MigrationsPendingError, MODULE_MIGRATIONS_DIRECTORY, MODULE_MIGRATIONS_TABLE, pendingMigrations, type MigrationSet } from './migration-source.ts';
import { RegistrarRegistry, factoryMap } from '../registrar-adapters/registry.ts';
import { AdapterOptionError, type RegistrarAdapterFactory } from '../registrar-adapters/types.ts';
import type { SandboxControls } from '../registrar-adapters/sandbox/sandbox.controls.ts';
import { SandboxAdapter } from '../registrar-adapters/sandbox/sandbox.adapter.ts';
import { createModuleServices, type ModuleServices } from './module-services.ts';
import { createApiRouter } from './api/api.router.ts';
import { ApiRateLimiter } from './api/api-rate-limit.ts';
import { ApiReadCache } from './api/read-cache.ts';
import { createRdapFactsSource } from './transfer-in/rdap-facts.source.ts';
import { createClientRouter } from './http/client.router.ts';
import { createAdminRouter } from './http/admin.router.ts';
import { moduleNavigation } from './http/module-navigation.ts';
import type { ScheduledTask } from '../cron/scheduled-task.ts';
import type { JobHandler } from './jobs/job-types.ts';
import type { AdoptDomainInput, AdoptedDomain } from './transfer-out/domain-adoption.service.ts';
import type { SyncSummary } from './sync/sync-summary.ts';
import { LOG_REDACT_PATHS } from './log-redaction.ts';

export { LOG_REDACT_PATHS };

export interface ModuleUiOptions {
  /** Searched before the module's own views, so the host can override any template. */
  viewDirectories?: string[];
  /**
   * More message catalogs (`<dir>/<locale>/<namespace>.json`): any locale folder with a
   * catalog becomes a language (`de/`, `ja/`…), falling back to English key by key.
   */
  localeDirectories?: string[];
  /**
   * Where the host mounts the routers (default `/client` and `/admin`). The module's own pages
   * follow `req.baseUrl`; these are for header links on host pages and links in messages.
   */
  mountPaths?: Partial<MountPaths>;
  /**
   * Where the host mounts `routers.assets` (the pages' stylesheet and script), reachable
   * without a login. Unset, pages link `<mount>/assets/`, served by the client and admin
   * routers themselves ahead of their login check; set it when a host guard in front of those
   * routers would keep an anonymous visitor (a login page) from them.
   */
  assetsPath?: string;
  /** Where to send someone who is not logged in (`?next=` is added). */
  loginUrl?: string;
  /** The brand link in the page header and the way out of an error page. Default `/`. */
  homeUrl?: string;
  /** Where the layout's "Log out" form posts (with the CSRF token); no form when unset. */
  logoutUrl?: string;
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

/** A job worker; several may share one database (leases keep them from running a job twice). */
export interface ModuleWorker {
  readonly workerId: string;
  /** Claims and runs jobs until stop(). */
  start(): void;
  /** Stops claiming, hands back jobs it never started, and waits for the ones in hand. */
  stop(): Promise<void>;
  /** Runs every due job, then returns how many ran (scripts, tests, `worker --once`). */
  runUntilIdle(): Promise<number>;
}

/** What a sync run did. `summary` is null when it failed before summing up (see `error`). */
export interface SyncRunResult {
  runId: number | null;
  status: 'succeeded' | 'failed' | 'lost';
  summary: SyncSummary | null;
  error: string | null;
}

export interface DomainTransferModule {
  manifest: ModuleManifest;
  /** The validated config, defaults filled in. */
  config: ModuleConfig;
  /** The module's migrations; apply them (migrateLatest) before `start()`. */
  migrations: MigrationSet;
  /**
   * Mount anywhere (`app.use('/client', routers.client)`); say where in `ui.mountPaths` if not
   * at /client and /admin. `assets` serves the pages' stylesheet and script (see `ui.assetsPath`).
   * `api` is the JSON API (bearer keys, problem+json); mount it at `/api/v1`, ahead of any
   * session or CSRF middleware (it uses neither).
   */
  routers: { client: Router; admin: Router; assets: Router; api: Router };
  /** Renders any error as the module's translated page (or JSON); put it last in the host app. */
  errorHandler: ErrorRequestHandler;
  /** Hooks the module subscribed to on `ctx.events` when it was created (`invoice.paid`). */
  subscriptions: readonly string[];
  /** Languages with message catalogs, English first. */
  locales: readonly Locale[];
  /** Page helpers (auth, language, CSRF, the module's layout) for a host that wants its own pages to match. */
  pages: PageKit;
  /**
   * Checks that every migration is applied (MigrationsPendingError names the missing ones) and
   * prepares the registrars (a sandbox seeds its demo domains). `start()` does this first; a
   * process that only runs workers or a sync calls it instead.
   */
  prepare(): Promise<void>;
  /** prepare(), then the in-host workers (config.jobs.runInHost) and the scheduler (config.sync.enabled). */
  start(): Promise<void>;
  /** Stops workers and the scheduler, then closes registrar connections. */
  stop(): Promise<void>;
  /** A job worker for this process, e.g. a separate worker process (`domain-transfers worker`). */
  createWorker(options?: { concurrency?: number; workerId?: string }): ModuleWorker;
  /** Runs sync-domain-statuses now (all domains, or one) and resolves when it is done. */
  runSync(options?: { domain?: string; dryRun?: boolean; onProgress?: (summary: SyncSummary) => void }): Promise<SyncRunResult>;
  /** Takes a domain we already sponsor under management as active for a client (imports, demo seeds). Idempotent. */
  adoptDomain(input: AdoptDomainInput): Promise<AdoptedDomain>;
  /** The registrar id `tldRouting` picks for a domain, if any. */
  routeFor(domain: string): string | undefined;
  /** The levers of a sandbox registrar (by id; the first sandbox when omitted), or undefined when it is not a sandbox. */
  sandbox(registrarId?: string): SandboxControls | undefined;

  /** @internal The module's services, for the reference host's tests. */
  services: ModuleServices;
  /** @internal */
  registrars: RegistrarRegistry;
  /** @internal */
  jobs: Record<string, JobHandler>;
  /** @internal */
  cronTasks: ScheduledTask[];
  /** @internal */
  views: ViewRenderer;
}

/**
 * The single registration point. Checks the host context (HostContextError names each missing
 * port or method) and the config (ConfigError names the key), builds adapters, services and
 * routers, and subscribes the module's hooks on `ctx.events`. Touches no table until start().
 */
export function createDomainTransferModule(ctx: HostContext, options: CreateModuleOptions = {}): DomainTransferModule {
  assertHostContext(ctx);
  const factories = factoryMap(options.adapterFactories);
  const config = resolveConfig(ctx.config, factories);
  if (config.billing.onPaidTransferEnded === 'credit' && typeof ctx.billing.creditOrderItem !== 'function') {
    throw new HostContextError(['billing.creditOrderItem is missing (billing.onPaidTransferEnded is "credit": implement it, or set "admin_decides" to settle paid transfers by hand)']);
  }
  const languages = new Languages([MODULE_LOCALES_DIRECTORY, ...(options.ui?.localeDirectories ?? [])]);
  if (!languages.match(config.defaultLocale)) {
    throw new ConfigError([{ key: 'defaultLocale', message: `"${config.defaultLocale}" has no message catalogs (languages here: ${languages.locales.join(', ')}; add one with ui.localeDirectories)` }]);
  }
  const logger: Logger = ctx.logger.child({ module: 'domain-transfers' }, { redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } });
  const secretBox = new SecretBox(config.encryptionKey);
  const registrars = createRegistry(config, factories, {
    knex: ctx.knex,
    clock: ctx.clock,
    logger,
    registrarId: config.registrarId,
    secrets: { seal: (p, aad) => secretBox.seal(p, aad), open: (s, aad) => secretBox.open(s, aad) },
  });

  const mounts: MountPaths = { client: '/client', admin: '/admin', ...options.ui?.mountPaths };
  const views = createViewRenderer({ directories: [...(options.ui?.viewDirectories ?? []), MODULE_VIEWS_DIRECTORY], i18n: languages.i18n });
  const pages = new PageKit({
    renderer: views,
    languages,
    csrf: new CsrfTokens(secretBox.deriveKey('csrf')),
    auth: ctx.auth,
    logger,
    defaultLocale: languages.match(config.defaultLocale)!,
    loginUrl: options.ui?.loginUrl ?? '/login',
    homeUrl: options.ui?.homeUrl ?? '/',
    logoutUrl: options.ui?.logoutUrl,
    mounts,
    timeZone: config.displayTimeZone,
    navigation: (principal, here) => [...(options.ui?.navigation?.(principal) ?? []), ...moduleNavigation(principal, here)],
    assets: new ModuleAssets(),
    assetsPath: options.ui?.assetsPath,
  });

  const factsSource = config.rdap.enabled
    ? createRdapFactsSource({ timeoutMs: config.rdap.timeoutMs, bootstrapFile: config.rdap.bootstrapFile, fetch: options.rdapFetch })
    : undefined;
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  const services = createModuleServices({
    ctx,
    config,
    logger,
    registrars,
    secretBox,
    languages,
    links: { clientUrl: `${baseUrl}${mounts.client}`, adminUrl: `${baseUrl}${mounts.admin}` },
    factsSource,
  });
  for (const [event, handler] of Object.entries(services.hooks)) ctx.events.on(event, handler);
  const apiLimiter = new ApiRateLimiter(services.knex, services.clock, (error) => logger.warn({ err: error }, 'API request counts not yet written; kept for the next write'));
  const apiReads = new ApiReadCache(services.knex, services.clock);

  const migrations: MigrationSet = { directory: MODULE_MIGRATIONS_DIRECTORY, tableName: MODULE_MIGRATIONS_TABLE };
  let prepared: Promise<void> | undefined;
  const prepare = () => {
    prepared ??= (async () => {
      const pending = await pendingMigrations(ctx.knex, migrations);
      if (pending.length) throw new MigrationsPendingError(pending);
      for (const adapter of registrars.all()) await adapter.init?.();
    })().catch((error: unknown) => {
      prepared = undefined; // a later call checks again
      throw error;
    });
    return prepared;
  };

  return {
    manifest,
    config,
    migrations,
    routers: {
      client: createClientRouter(pages, services),
      admin: createAdminRouter(pages, services),
      assets: pages.assets,
      api: createApiRouter({ services, billing: ctx.billing, apiKeys: services.apiKeys, languages, defaultLocale: config.defaultLocale, logger: () => logger, requestsPerMinute: config.api.requestsPerMinute, limiter: apiLimiter, reads: apiReads }),
    },
    errorHandler: pages.errorHandler,
    subscriptions: Object.keys(services.hooks),
    locales: languages.locales,
    pages,
    prepare,
    async start() {
      await prepare();
      await services.start();
    },
    async stop() {
      await services.stop();
      await apiLimiter.close();
      apiReads.close();
      await registrars.close();
    },
    createWorker: (workerOptions) => services.createWorker(workerOptions),
    async runSync(syncOptions = {}) {
      const started = await services.sync.runNow({ trigger: 'host', ...syncOptions });
      const outcome = await started.done;
      return { runId: outcome.runId, status: outcome.status as SyncRunResult['status'], summary: (outcome.summary as SyncSummary | null) ?? null, error: outcome.error };
    },
    adoptDomain: (input) => services.adoptDomain(input),
    routeFor: (domain) => registrars.routeFor(domain),
    sandbox(registrarId) {
      const adapter = registrarId ? registrars.get(registrarId) : registrars.all().find((a) => a instanceof SandboxAdapter);
      return adapter instanceof SandboxAdapter ? adapter.registry : undefined;
    },
    services,
    registrars,
    jobs: services.jobHandlers,
    cronTasks: services.cronTasks,
    views,
  };
}

/** The configured registrars; an adapter option that cannot work is a ConfigError naming its key. */
function createRegistry(config: ModuleConfig, factories: ConstructorParameters<typeof RegistrarRegistry>[2], context: ConstructorParameters<typeof RegistrarRegistry>[3]): RegistrarRegistry {
  try {
    return new RegistrarRegistry(config.registrars, config.tldRouting, factories, context);
  } catch (error) {
    if (error instanceof AdapterOptionError) throw new ConfigError([{ key: error.option, message: error.message }]);
    throw error;
  }
}
