import type { DomainView } from '../domains/domain.queries.ts';
import type { DomainListRow } from '../domains/domain-list.query.ts';
import type { TransferOrderRow } from '../transfer-in/transfer-order.service.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';

/** Times as ISO 8601, or null: an API caller should not need to know we keep epoch milliseconds. */
const iso = (ms: unknown) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

/** A domain as the API lists it. */
export function domainSummary(row: DomainListRow, clientName?: string) {
  return {
    domain: row.domain,
    unicode: toUnicode(row.domain),
    status: row.status,
    clientId: row.client_id,
    ...(clientName !== undefined ? { clientName } : {}),
    registrar: row.registrar_id,
    expiryDate: iso(row.expiry_date),
    failure: row.failure_code ? { code: row.failure_code, reason: row.failure_reason } : null,
    transferOutPending: row.transfer_out_gaining ? { gainingRegistrar: row.transfer_out_gaining, requestedAt: iso(row.transfer_out_requested_at) } : null,
    statusChangedAt: iso(row.status_changed_at),
    lastCheckedAt: iso(row.last_checked_at),
  };
}

/** A transfer-in order as the API shows it: never its code. */
export function orderSummary(order: Partial<TransferOrderRow> | Record<string, unknown>) {
  const o = order as Partial<TransferOrderRow>;
  return {
    status: o.status,
    orderId: o.order_id ?? null,
    orderItemId: o.order_item_id ?? null,
    invoiceId: o.invoice_id ?? null,
    amountMinor: o.amount_minor === undefined ? null : Number(o.amount_minor),
    currency: o.currency ?? null,
    failure: o.failure_code ? { code: o.failure_code, reason: o.failure_reason } : null,
    dispatches: o.dispatch_count === undefined ? null : Number(o.dispatch_count),
    createdAt: iso(o.created_at),
    updatedAt: iso(o.updated_at),
  };
}

/** One domain with its open order, status history and provisioning log. */
export function domainDetail(view: DomainView) {
  return {
    ...(view.domain ? domainSummary(view.domain) : { domain: view.name, unicode: toUnicode(view.name), status: null, clientId: view.order?.client_id ?? null }),
    order: view.order ? orderSummary(view.order) : null,
    settlement: view.settlement ? { status: view.settlement.status, cause: view.settlement.cause, amountMinor: Number(view.settlement.amount_minor), currency: view.settlement.currency } : null,
    history: view.history.map((h) => ({ from: h.from_status ?? null, to: h.to_status, cause: h.cause, actor: h.actor, detail: h.detail ?? null, at: iso(h.created_at) })),
    log: view.log.map((l) => ({ action: l.action, outcome: l.outcome, registrar: l.registrar_id ?? null, message: l.message ?? null, at: iso(l.created_at) })),
  };
}
