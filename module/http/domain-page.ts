import type { Request, Response } from 'express';
import type { PageKit } from './page-kit.ts';
import type { ModuleServices } from '../module-services.ts';
import type { Principal } from '../host-context.ts';
import type { DomainView } from '../domains/domain.queries.ts';
import type { EppCodeDelivery } from '../transfer-out/transfer-out.service.ts';
import { NotFoundError } from '../errors.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';
import { awaitsAdmin } from '../transfer-in/transfer-order.service.ts';
import { transferOutSection } from './transfer-out.routes.ts';

/** Domain names in URLs are ASCII; anything that is not a plausible name is simply not found. */
export function domainParam(req: Request): string {
  const raw = String(req.params.domain ?? '').toLowerCase();
  if (!/^[a-z0-9.-]{1,253}$/.test(raw)) throw new NotFoundError();
  return raw;
}

/**
 * The domain page, for the client (`client/domain`) or the admin (`admin/domain`): the
 * transfer-in state and its actions, then the transfer-out section.
 */
export async function renderDomainPage(
  pages: PageKit,
  services: ModuleServices,
  req: Request,
  res: Response,
  principal: Principal,
  view: DomainView,
  extra: { eppCode?: EppCodeDelivery; codeError?: string; emailError?: string; codeMessage?: { kind: 'error' | 'info'; text: string }; status?: number } = {},
): Promise<void> {
  const orderStatus = view.order?.status;
  const codesLeft = view.order ? services.transferOrders.codesLeft(view.order) : 0;
  const forAdmin = view.order ? awaitsAdmin(view.order) : false;
  const awaitingCode = orderStatus === 'failed' && codesLeft > 0 && !forAdmin;
  const awaitingEmail = view.domain?.status === 'pending' && view.domain.awaiting === 'registrant_email';
  const transferOut = await transferOutSection(pages, services, req, principal, view, { eppCode: extra.eppCode, codeMessage: extra.codeMessage });
  const owner = String(view.domain?.client_id ?? view.order?.client_id ?? '');
  const clientName = principal.kind === 'admin' && owner ? ((await services.clientNames([owner])).get(owner) ?? owner) : undefined;
  pages.render(
    req,
    res,
    principal.kind === 'admin' ? 'admin/domain' : 'client/domain',
    {
      titleKey: 'domains:detail.title',
      // The page a post to one of its forms answers with: language links point back here.
      pagePath: `${req.baseUrl}/domains/${view.name}`,
      titleParams: { domain: toUnicode(view.name) },
      view,
      unicode: toUnicode(view.name),
      awaitingCode,
      // Out of corrected codes: the order waits for an admin, and the client is told so.
      codesUsedUp: orderStatus === 'failed' && codesLeft === 0 && !forAdmin,
      // Refused for a reason a code cannot cure: an admin takes it from here.
      awaitsAdmin: forAdmin,
      codesLeft,
      codesAllowed: services.transferOrders.codesAllowed,
      canDispatch: orderStatus === 'failed',
      cancellable: orderStatus === 'failed' || orderStatus === 'awaiting_payment',
      notice: typeof req.query.notice === 'string' ? req.query.notice : undefined,
      codeError: extra.codeError,
      // The registrar waits for the registrant to confirm by email; a button asks for it again.
      awaitingEmail,
      canResendEmail: Boolean(view.domain && services.registrars.get(view.domain.registrar_id)?.resendTransferEmail),
      emailError: extra.emailError,
      // A refusal whose form is no longer on the page (the order moved on meanwhile, or the
      // post did not come from the page) is shown at the top, so a refused post always says why.
      strayRefusal: (awaitingCode || forAdmin ? undefined : extra.codeError) ?? (awaitingEmail ? undefined : extra.emailError) ?? (transferOut ? undefined : extra.codeMessage?.text),
      canSettle: pages.can(req, 'billing.settle'),
      clientName,
      transferOut,
    },
    extra.status,
  );
}
