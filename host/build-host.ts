import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import session from 'express-session';
import type { Knex } from 'knex';
import pino, { type Logger } from 'pino';
import {
  createDomainTransferModule,
  createEventBus,
  NotFoundError,
  systemClock,
  type Clock,
  type CreateModuleOptions,
  type DomainTransferModule,
  type EventBus,
  type HostContext,
  type NavItem,
  type Principal,
} from '../module/index.ts';
import { AccountRepository } from './accounts/account.repository.ts';
import { createClientAccountRouter } from './accounts/client.routes.ts';
import { createAdminRouter } from './admin/admin.routes.ts';
import { createAuthRouter, SESSION_COOKIE } from './auth/auth.routes.ts';
import { LoginThrottle } from './auth/login-throttle.ts';
import { principalOf } from './auth/session.principal.ts';
import { KnexSessionStore } from './auth/session.store.ts';
import { HostBilling } from './billing/billing.port.ts';
import { createClientInvoiceRouter } from './billing/invoice.routes.ts';
import { PaymentService } from './billing/payment.service.ts';
import { loadModuleConfig, loginThrottleOf, sessionSecretOf, trustProxyOf } from './host-config.ts';
import { securityHeaders } from './http/security-headers.ts';
import { OutboxNotifier } from './notify/outbox.notifier.ts';
import { followTransfersInServices } from './billing/service-status.listener.ts';

const HOST_DIR = path.dirname(fileURLToPath(import.meta.url));
export const HOST_VIEWS_DIRECTORY = path.join(HOST_DIR, 'views');
export const HOST_LOCALES_DIRECTORY = path.join(HOST_DIR, 'locales');
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Where the module's stylesheet and script are served, to everyone (the login page links them). */
const ASSETS_PATH = '/assets';

export interface BuildHostOptions {
  knex: Knex;
  /** Raw module options; default: the demo config (DT_CONFIG over the sandbox defaults). */
  config?: unknown;
  clock?: Clock;
  logger?: Logger;
  /** Read for SESSION_SECRET, SMTP_URL, SMTP_FROM, DT_CONFIG, DT_ENCRYPTION_KEY, DT_DATA_DIR, TRUST_PROXY, LOGIN_FAILURE*. */
  env?: NodeJS.ProcessEnv;
}

export interface Host {
  app: Express;
  module: DomainTransferModule;
  bus: EventBus;
  billing: HostBilling;
  notifier: OutboxNotifier;
  accounts: AccountRepository;
  payments: PaymentService;
  sessions: KnexSessionStore;
  /** Stops the module, the session pruning and the mail transport; the knex instance stays the caller's. */
  close(): Promise<void>;
}

/** The reference host's ports, as any platform would build them, and what it hands the module. */
export interface ReferenceHostContext {
  context: HostContext;
  options: CreateModuleOptions;
  bus: EventBus;
  billing: HostBilling;
  notifier: OutboxNotifier;
  accounts: AccountRepository;
  logger: Logger;
  clock: Clock;
}

/**
 * The reference host's side of the plugin contract: its bus, billing, auth, notifier, clock
 * and logger, and the module's page options. The web host and the command line (a separate
 * worker process) both build it, so hooks and messages go through the same ports.
 */
export function createReferenceHostContext(options: BuildHostOptions): ReferenceHostContext {
  const env = options.env ?? process.env;
  const knex = options.knex;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: env.LOG_LEVEL || 'info' });
  const config = options.config ?? loadModuleConfig(env, env.BASE_URL || `http://localhost:${env.PORT || 3000}`);
  const bus = createEventBus();
  // The host's own listeners, before any worker can deliver: services follow the transfers.
  followTransfersInServices(bus, knex, clock);
  const accounts = new AccountRepository(knex, clock);
  const billing = new HostBilling(knex, clock, accounts);
  const notifier = new OutboxNotifier(knex, clock, accounts, logger, {
    url: env.SMTP_URL || undefined,
    from: env.SMTP_FROM || 'Domain Transfers <domain-transfers@localhost>',
  });
  return {
    context: { knex, events: bus, billing, auth: principalOf, notifier, clock, logger, config },
    options: {
      ui: {
        viewDirectories: [HOST_VIEWS_DIRECTORY],
        assetsPath: ASSETS_PATH,
        localeDirectories: [HOST_LOCALES_DIRECTORY],
        loginUrl: '/login',
        logoutUrl: '/logout',
        homeUrl: '/',
        navigation: hostNavigation,
      },
    },
    bus,
    billing,
    notifier,
    accounts,
    logger,
    clock,
  };
}

/**
 * Assembles the reference host the way a third-party platform would: its ports, the module
 * (through the public entry only, which subscribes its own hooks on the bus), then routes.
 * Does not listen and does not migrate. A bad module option throws the module's ConfigError.
 */
export function buildHost(options: BuildHostOptions): Host {
  const env = options.env ?? process.env;
  const { knex } = options;
  // Host settings first: a bad one is named before anything else is built.
  const trustProxy = trustProxyOf(env);
  const loginThrottle = loginThrottleOf(env);
  const { context, options: moduleOptions, bus, billing, notifier, accounts, logger, clock } = createReferenceHostContext(options);
  const module = createDomainTransferModule(context, moduleOptions);

  const payments = new PaymentService(knex, clock, billing, bus, logger);
  const throttle = new LoginThrottle(knex, clock, loginThrottle);
  const sessions = new KnexSessionStore(knex, { defaultTtlMs: SESSION_TTL_MS });
  sessions.startPruning((error) => logger.warn({ err: error }, 'pruning expired sessions failed'));
  const pages = module.pages;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  app.use(securityHeaders());
  // Before the session: a stylesheet needs no session lookup.
  app.use(ASSETS_PATH, module.routers.assets);
  // The JSON API authenticates each request by its bearer key: no session, no cookie.
  app.use('/api/v1', module.routers.api);
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: sessionSecretOf(env),
      store: sessions,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: SESSION_TTL_MS, path: '/' },
    }),
  );
  app.use(pages.authenticate, pages.rememberLocaleChoice);
  app.use(createAuthRouter({ pages, accounts, throttle, logger }));

  // Guards first, so every route under these prefixes (the host's and the module's) is covered.
  app.use('/admin', pages.requireAdmin);
  app.use('/client', pages.requireClient);

  app.use('/client', createClientAccountRouter({ pages, accounts, billing }));
  app.use('/client', createClientInvoiceRouter({ pages, billing, payments }));
  app.use('/admin', createAdminRouter({ pages, accounts, billing, payments, notifier }));
  app.use('/client', module.routers.client);
  app.use('/admin', module.routers.admin);

  app.use((_req, _res, next) => next(new NotFoundError()));
  app.use(module.errorHandler);

  let closing: Promise<void> | undefined;
  return {
    app,
    module,
    bus,
    billing,
    notifier,
    accounts,
    payments,
    sessions,
    close() {
      // Idempotent: a signal and an error path may both ask.
      closing ??= (async () => {
        sessions.stopPruning();
        try {
          await module.stop();
        } finally {
          notifier.close();
        }
      })();
      return closing;
    },
  };
}

function hostNavigation(principal: Principal | null): NavItem[] {
  if (principal?.kind === 'client') {
    return [
      { href: '/client', labelKey: 'host:nav.client_home' },
      { href: '/client/invoices', labelKey: 'host:nav.invoices' },
      { href: '/client/profile', labelKey: 'host:nav.profile' },
    ];
  }
  if (principal?.kind === 'admin') {
    return [
      { href: '/admin', labelKey: 'host:nav.admin_home' },
      { href: '/admin/services', labelKey: 'host:nav.services' },
      { href: '/admin/clients', labelKey: 'host:nav.clients' },
      { href: '/admin/invoices', labelKey: 'host:nav.admin_invoices' },
      { href: '/admin/outbox', labelKey: 'host:nav.outbox' },
    ];
  }
  return [{ href: '/login', labelKey: 'host:nav.login' }];
}
