import { Router, type Request, type Response } from 'express';
import { AppError, NotFoundError, domainToUnicode, type PageKit } from '../../module/index.ts';
import { renderPage, setFlash } from '../http/host-page.ts';
import { parseId, type HostBilling, type InvoiceRow } from './billing.port.ts';
import { formatAmount, parseAmount, type PaymentService } from './payment.service.ts';
import { creditNoteNumber } from './account-credit.ts';

/**
 * The client's invoices and the simulated payment gateway (mounted at /client behind
 * requireClient). Another client's invoice answers 404, never 403, so ids reveal nothing.
 */
export function createClientInvoiceRouter(deps: { pages: PageKit; billing: HostBilling; payments: PaymentService }): Router {
  const { pages, billing, payments } = deps;
  const router = Router();
  const clientIdOf = (req: Request) => Number(req.session.user?.clientId);

  async function ownInvoice(req: Request): Promise<InvoiceRow> {
    const id = parseId(String(req.params.id));
    const invoice = id === null ? undefined : await billing.invoiceRow(id);
    if (!invoice || Number(invoice.client_id) !== clientIdOf(req)) throw new NotFoundError();
    return invoice;
  }

  router.get('/invoices', async (req, res) => {
    const invoices = await billing.invoicesOf(clientIdOf(req));
    const balances = [...(await billing.credits.balances(clientIdOf(req)))].map(([currency, amount]) => ({ currency, amount }));
    renderPage(pages, req, res, 'host/client/invoices', { titleKey: 'host:invoices.title', invoices, balances });
  });

  router.get('/invoices/:id', async (req, res) => {
    const invoice = await ownInvoice(req);
    await renderInvoice(req, res, invoice, {}, 200);
  });

  router.post('/invoices/:id/pay', pages.formBody, pages.verifyCsrf, async (req, res) => {
    const invoice = await ownInvoice(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const raw = typeof body.amount === 'string' ? body.amount.trim() : '';
    let amountMinor: number | undefined;
    if (raw) {
      amountMinor = parseAmount(raw, invoice.currency);
      if (amountMinor === undefined) {
        return renderInvoice(req, res, invoice, { amount: raw, error: pages.t(req)('host:billing.errors.amount_invalid') }, 422);
      }
    }
    try {
      const result = await payments.pay({
        invoiceId: invoice.id,
        clientId: clientIdOf(req),
        amountMinor,
        gateway: body.gateway === 'credit' ? 'credit' : 'simulated',
        recordedBy: `client:${clientIdOf(req)}`,
      });
      setFlash(req, {
        kind: result.eventDelivered ? 'ok' : 'info',
        key: result.paidInFull ? (result.eventDelivered ? 'host:billing.paid_in_full' : 'host:billing.paid_event_pending') : 'host:billing.paid_partly',
        params: { amount: moneyIn(pages.locale(req), result.amountMinor, invoice.currency) },
      });
      res.redirect(303, `/client/invoices/${invoice.id}`);
    } catch (error) {
      // A refused payment is shown on the invoice itself, with its current state.
      if (error instanceof AppError && (error.status === 409 || error.status === 422)) {
        const fresh = (await billing.invoiceRow(invoice.id)) ?? invoice;
        return renderInvoice(req, res, fresh, { amount: raw, error: pages.t(req)(error.messageKey, error.params) }, error.status);
      }
      throw error;
    }
  });

  async function renderInvoice(req: Request, res: Response, invoice: InvoiceRow, extra: { amount?: string; error?: string }, status: number) {
    const balance = Number(invoice.total_minor) - Number(invoice.paid_minor);
    const creditBalance = (await billing.credits.balances(Number(invoice.client_id))).get(invoice.currency) ?? 0;
    const creditNotes = (await billing.credits.creditNotes(invoice.id)).map((note) => ({ ...note, number: creditNoteNumber(Number(note.id)) }));
    renderPage(
      pages,
      req,
      res,
      'host/client/invoice',
      {
        titleKey: 'host:invoice.title',
        titleParams: { id: invoice.id },
        invoice,
        items: (await billing.invoiceItems(invoice.id)).map((item) => ({ ...item, unicode: item.domain ? domainToUnicode(item.domain) : null })),
        payments: await billing.payments(invoice.id),
        balanceMinor: balance,
        payable: invoice.status === 'unpaid',
        creditBalance,
        creditCovers: invoice.status === 'unpaid' && balance > 0 && creditBalance >= balance,
        creditNotes,
        amount: extra.amount ?? formatAmount(balance, invoice.currency),
        error: extra.error,
      },
      status,
    );
  }

  return router;
}

/** An amount as the invoice page shows it ($10.99, US$10.99, ¥…), in the reader's language. */
function moneyIn(locale: string, minor: number, currency: string): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 10 ** digits);
}
