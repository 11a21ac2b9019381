import type { Request, Response } from 'express';
import type { PageKit } from './page-kit.ts';
import type { ModuleServices } from '../module-services.ts';
import type { Principal } from '../host-context.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';

/**
 * The step before a cancel, for client and admin alike: what happens to the money (nothing
 * was charged, or what was paid is credited, or an admin decides) and a form that confirms.
 * It works without JavaScript; a cancel posted without `confirm=yes` lands here too.
 */
export async function renderCancelConfirmation(pages: PageKit, services: ModuleServices, req: Request, res: Response, principal: Principal, domain: string): Promise<void> {
  const order = await services.transferOrders.findOpenOrderForDomain(domain);
  if (!order || (principal.kind === 'client' && order.client_id !== principal.clientId)) throw new NotFoundError();
  if (order.status !== 'awaiting_payment' && order.status !== 'failed') throw new ConflictError('transfer:errors.not_cancellable', { status: order.status });
  const paidOutcome = services.settlements.policy === 'credit' ? 'paid_credit' : 'paid_admin';
  const outcome = order.status === 'awaiting_payment' ? 'unpaid' : paidOutcome;
  pages.render(req, res, 'transfer-cancel', {
    titleKey: 'settlement:confirm_title',
    pagePath: `${req.baseUrl}/domains/${domain}/transfer/cancel`,
    titleParams: { domain: toUnicode(domain) },
    outcomeKey: `settlement:${principal.kind === 'admin' ? `admin_${outcome}` : outcome}`,
    amountMinor: order.amount_minor,
    currency: order.currency,
    action: `${req.baseUrl}/domains/${domain}/transfer/cancel`,
    back: `${req.baseUrl}/domains/${domain}`,
  });
}

/** True when a cancel form says it was confirmed. */
export function cancelConfirmed(req: Request): boolean {
  return (req.body as Record<string, unknown> | undefined)?.confirm === 'yes';
}
