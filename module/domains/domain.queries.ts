import type { Knex } from 'knex';
import type { Principal } from '../host-context.ts';
import { NotFoundError } from '../errors.ts';
import type { DomainStatus } from './domain-status.machine.ts';

export interface DomainRow {
  id: number;
  domain: string;
  client_id: string;
  registrar_id: string;
  registrar_ref: string | null;
  status: DomainStatus;
  expiry_date: number | null;
  auto_renew: number | boolean;
  transfer_order_id: number | null;
  failure_code: string | null;
  failure_reason: string | null;
  last_checked_at: number | null;
  /** A transfer-out another registrar asked for, as last seen at the registry. */
  transfer_out_gaining: string | null;
  transfer_out_requested_at: number | null;
  /** What a pending transfer-in waits for besides the registry (`registrant_email`). */
  awaiting: string | null;
  status_changed_at: number;
  created_at: number;
  updated_at: number;
}

/** What a domain page shows: the domain (or only its open order), with history and log. */
export interface DomainView {
  name: string;
  domain?: DomainRow;
  order?: Record<string, unknown>;
  /** What happened to the money of the latest order, when it was paid and ended without the domain. */
  settlement?: Record<string, unknown>;
  history: Array<Record<string, unknown>>;
  log: Array<Record<string, unknown>>;
}

/**
 * Reads for the client and admin pages. A client only ever sees their own rows: anything
 * else answers 404, exactly like a domain that does not exist.
 */
export class DomainQueries {
  constructor(private readonly knex: Knex) {}

  async listForClient(clientId: string): Promise<{ domains: DomainRow[]; orders: Array<Record<string, unknown>> }> {
    const domains: DomainRow[] = await this.knex('dt_domains').where({ client_id: clientId }).orderBy('domain');
    const orders = await this.knex('dt_transfer_orders')
      .where({ client_id: clientId })
      .whereIn('status', ['awaiting_payment', 'queued'])
      .select('id', 'domain', 'status', 'invoice_id', 'invoice_url', 'amount_minor', 'currency', 'created_at')
      .orderBy('id', 'desc');
    return { domains, orders };
  }

  async countsByStatus(): Promise<Record<string, number>> {
    const rows: Array<{ status: string; n: number | string }> = await this.knex('dt_domains').select('status').count({ n: '*' }).groupBy('status');
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** The domain as `principal` may see it; 404 for anything else. */
  async viewFor(principal: Principal, name: string): Promise<DomainView> {
    const domain: DomainRow | undefined = await this.knex('dt_domains').where({ domain: name }).first();
    const order = await this.knex('dt_transfer_orders')
      .where({ domain: name })
      .orderBy('id', 'desc')
      .first('id', 'client_id', 'status', 'invoice_id', 'order_id', 'amount_minor', 'currency', 'failure_code', 'failure_reason', 'dispatch_count', 'code_resubmissions', 'created_at', 'updated_at');
    const owner = domain?.client_id ?? order?.client_id;
    if (!owner) throw new NotFoundError();
    // The domain row's client owns it when there is one (the order's only before it exists).
    if (principal.kind === 'client' && owner !== principal.clientId) throw new NotFoundError();
    const history = domain ? await this.knex('dt_domain_status_history').where({ domain_id: domain.id }).orderBy('id', 'desc').limit(50) : [];
    const log = await this.knex('dt_provisioning_log').where({ domain: name }).orderBy('id', 'desc').limit(50);
    const visibleOrder = order && (principal.kind === 'admin' || order.client_id === owner) ? order : undefined;
    const settlement = visibleOrder ? await this.knex('dt_order_settlements').where({ transfer_order_id: visibleOrder.id }).first() : undefined;
    return { name, domain, order: visibleOrder, settlement, history, log };
  }
}
