import express, { type Express, type Request } from 'express';
import type { Logger } from 'pino';
import { createDomainTransferModule, createEventBus, type CreateModuleOptions, type DomainTransferModule, type EventBus, type HostContext } from '../../module/index.ts';
import { AccountRepository } from '../../host/accounts/account.repository.ts';
import { HostBilling } from '../../host/billing/billing.port.ts';
import { OutboxNotifier } from '../../host/notify/outbox.notifier.ts';
import { PaymentService } from '../../host/billing/payment.service.ts';
import { seedDemo, testModuleConfig, DEMO } from '../../host/test/host.test-support.ts';
import type { TestDatabase } from './test-database.ts';
import { createCaptureLogger } from './capture-logger.ts';
import { FakeClock } from './fake-clock.ts';

/** Who a test request is: sent as JSON in this header, read by the platform's own auth. */
export const PRINCIPAL_HEADER = 'x-test-principal';

export interface EmbeddedPlatform {
  app: Express;
  module: DomainTransferModule;
  bus: EventBus;
  billing: HostBilling;
  clock: FakeClock;
  logs: () => string[];
  clientId: string;
  /** The header that makes a request come from this principal. */
  as(principal: Record<string, unknown>): Record<string, string>;
  /** Pays an invoice in full through the host's billing, which emits invoice.paid on the bus. */
  pay(invoiceId: number): Promise<void>;
}

/**
 * The module embedded by a platform other than the reference host: its own Express app, its
 * own (async) auth reading a header, its own mount paths and error pages. Billing, accounts and
 * the notifier are the reference host's database-backed ones, which the platform reuses.
 */
export async function embedModule(
  db: TestDatabase,
  options: {
    mounts?: { client: string; admin: string };
    auth?: HostContext['auth'];
    config?: Record<string, unknown>;
    moduleOptions?: CreateModuleOptions;
    logger?: Logger;
  } = {},
): Promise<EmbeddedPlatform> {
  const mounts = options.mounts ?? { client: '/client', admin: '/admin' };
  const clock = new FakeClock('2026-06-01T09:00:00Z');
  const capture = createCaptureLogger();
  const logger = options.logger ?? capture.logger;
  await seedDemo(db);
  const accounts = new AccountRepository(db.knex, clock);
  const billing = new HostBilling(db.knex, clock, accounts);
  const notifier = new OutboxNotifier(db.knex, clock, accounts, logger, { from: 'platform@example.net' });
  const bus = createEventBus();
  const auth: HostContext['auth'] =
    options.auth ??
    (async (req: Request) => {
      await new Promise((resolve) => setImmediate(resolve));
      const header = req.get(PRINCIPAL_HEADER);
      return header ? JSON.parse(header) : null;
    });
  const module = createDomainTransferModule(
    { knex: db.knex, events: bus, billing, auth, notifier, clock, logger, config: { ...testModuleConfig(), ...options.config } },
    { ...options.moduleOptions, ui: { mountPaths: mounts, loginUrl: '/sign-in', ...options.moduleOptions?.ui } },
  );
  const payments = new PaymentService(db.knex, clock, billing, bus, logger);
  const app = express();
  app.use('/api/v1', module.routers.api);
  app.use(mounts.client, module.routers.client);
  app.use(mounts.admin, module.routers.admin);
  app.use((_req, res) => {
    res.status(404).send('platform 404');
  });
  app.use(module.errorHandler);
  const clientId = String((await accounts.findUserByEmail(DEMO.client.email))!.client_id);
  return {
    app,
    module,
    bus,
    billing,
    clock,
    logs: capture.lines,
    clientId,
    as: (principal) => ({ [PRINCIPAL_HEADER]: JSON.stringify(principal) }),
    async pay(invoiceId) {
      await payments.pay({ invoiceId, gateway: 'admin', recordedBy: 'test' });
    },
  };
}
