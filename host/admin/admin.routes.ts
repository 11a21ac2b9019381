import { Router, type Request } from 'express';
import { AppError, NotFoundError, type PageKit } from '../../module/index.ts';
import type { AccountRepository } from '../accounts/account.repository.ts';
import { streetLines } from '../accounts/account.repository.ts';
import { parseId, type HostBilling } from '../billing/billing.port.ts';
import { formatAmount, type PaymentService } from '../billing/payment.service.ts';
import { renderPage, setFlash } from '../http/host-page.ts';
import type { OutboxNotifier } from '../notify/outbox.notifier.ts';

/** The host's admin pages (mounted at /admin behind requireAdmin), beside the module's own. */
export function createAdminRouter(deps: {
  pages: PageKit;
  accounts: AccountRepository;
  billing: HostBilling;
  payments: PaymentService;
  notifier: OutboxNotifier;
}): Router {
  const { pages, accounts, billing, payments, notifier } = deps;
  const router = Router();
  const adminOf = (req: Request) => `admin:${req.session.user?.userId}`;

  router.get('/', async (req, res) => {
    const [services, invoices, outbox] = await Promise.all([billing.services(5), billing.allInvoices(1000), notifier.list(5)]);
    renderPage(pages, req, res, 'host/admin/dashboard', {
      titleKey: 'host:admin.dashboard.title',
      services,
      outbox,
      unpaidCount: invoices.filter((invoice) => invoice.status === 'unpaid').length,
    });
  });

  router.get('/services', async (req, res) => {
    const services = (await billing.services()).map((service) => ({
      ...service,
      domainPath: encodeURIComponent(service.domain),
      auto_renew: Boolean(Number(service.auto_renew)),
    }));
    renderPage(pages, req, res, 'host/admin/services', { titleKey: 'host:admin.services.title', services });
  });

  router.get('/clients', async (req, res) => {
    const clients = (await accounts.listClients()).map((client) => ({ ...client, streetLines: streetLines(client.street) }));
    renderPage(pages, req, res, 'host/admin/clients', { titleKey: 'host:admin.clients.title', clients });
  });

  router.get('/invoices', async (req, res) => {
    const invoices = (await billing.allInvoices()).map((invoice) => ({
      ...invoice,
      needsEvent: invoice.status === 'paid' && invoice.paid_event_at === null && invoice.order_id !== null,
    }));
    renderPage(pages, req, res, 'host/admin/invoices', { titleKey: 'host:admin.invoices.title', invoices });
  });

  router.post('/invoices/:id/mark-paid', pages.formBody, pages.verifyCsrf, async (req, res) => {
    const id = parseId(String(req.params.id));
    if (id === null) throw new NotFoundError();
    try {
      const result = await payments.pay({ invoiceId: id, gateway: 'admin', recordedBy: adminOf(req) });
      setFlash(req, {
        kind: result.eventDelivered ? 'ok' : 'error',
        key: result.eventDelivered ? 'host:admin.invoices.marked_paid' : 'host:billing.paid_event_pending',
        params: { id, amount: `${formatAmount(result.amountMinor, result.invoice.currency)} ${result.invoice.currency}` },
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.status === 404) throw error;
      setFlash(req, { kind: 'error', key: error.messageKey, params: error.params });
    }
    res.redirect(303, '/admin/invoices');
  });

  router.post('/invoices/:id/notify', pages.formBody, pages.verifyCsrf, async (req, res) => {
    const id = parseId(String(req.params.id));
    if (id === null) throw new NotFoundError();
    const delivered = await payments.reemit(id);
    setFlash(req, { kind: delivered ? 'ok' : 'error', key: delivered ? 'host:admin.invoices.notified' : 'host:billing.paid_event_pending', params: { id } });
    res.redirect(303, '/admin/invoices');
  });

  router.get('/outbox', async (req, res) => {
    renderPage(pages, req, res, 'host/admin/outbox', { titleKey: 'host:admin.outbox.title', notifications: await notifier.list() });
  });

  return router;
}
