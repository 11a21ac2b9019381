import type { Knex } from 'knex';
import { insertReturningId, transactionRetryingDeadlocks } from '../database.ts';

export const DOMAIN_STATUSES = ['pending', 'active', 'cancelled', 'transferred_away'] as const;
export type DomainStatus = (typeof DOMAIN_STATUSES)[number];

/**
 * Every allowed change of a domain's status. A domain that left may come back with a new
 * transfer-in, so transferred_away → pending is a new attempt like cancelled → pending.
 */
const ALLOWED: Record<DomainStatus, readonly DomainStatus[]> = {
  pending: ['active', 'cancelled'],
  active: ['transferred_away'],
  cancelled: ['pending'],
  transferred_away: ['pending'],
};

export function canTransition(from: DomainStatus, to: DomainStatus): boolean {
  return ALLOWED[from].includes(to);
}

export class ForbiddenTransitionError extends Error {
  constructor(
    readonly from: DomainStatus,
    readonly to: DomainStatus,
  ) {
    super(`a domain cannot go from ${from} to ${to}`);
    this.name = 'ForbiddenTransitionError';
  }
}

export interface TransitionRequest {
  domainId: number;
  from: DomainStatus;
  to: DomainStatus;
  /** Why: e.g. `transfer.completed`, `sync.transferred_away`, `transfer.resubmitted`. */
  cause: string;
  /** Who or what: `job:42`, `sync:run-7`, `admin:3`, `client:12`. */
  actor: string;
  detail?: string;
  /** Other columns to set in the same conditional update (expiry_date, failure fields…). */
  patch?: Record<string, unknown>;
  at: Date;
}

/**
 * The one place a domain's status changes. The update is conditional on the status the
 * caller saw, so of two concurrent writers only one applies the transition; the loser gets
 * false and must re-read. Each applied change writes a history row in the same transaction.
 */
export async function transitionDomain(db: Knex | Knex.Transaction, request: TransitionRequest): Promise<boolean> {
  if (!canTransition(request.from, request.to)) throw new ForbiddenTransitionError(request.from, request.to);
  const now = request.at.getTime();
  const apply = async (trx: Knex.Transaction) => {
    const updated = await trx('dt_domains')
      .where({ id: request.domainId, status: request.from })
      .update({ ...request.patch, status: request.to, status_changed_at: now, updated_at: now });
    if (updated !== 1) return false;
    await trx('dt_domain_status_history').insert({
      domain_id: request.domainId,
      from_status: request.from,
      to_status: request.to,
      cause: request.cause,
      actor: request.actor,
      detail: request.detail ?? null,
      created_at: now,
    });
    return true;
  };
  // Two writers applying the same change may deadlock on the row's indexes; run again, the
  // loser finds the status moved on and returns false. Inside a caller's transaction the
  // caller owns that decision.
  return 'isTransaction' in db && db.isTransaction ? apply(db as Knex.Transaction) : transactionRetryingDeadlocks(db as Knex, apply);
}

/**
 * Something that happened to a domain without changing its status (a refused attempt, a
 * corrected code sent), in the same history, so client and admin read one story.
 */
export async function noteDomainEvent(
  trx: Knex.Transaction,
  row: { domainId: number; status: DomainStatus; cause: string; actor: string; detail?: string },
  at: Date,
): Promise<void> {
  await trx('dt_domain_status_history').insert({
    domain_id: row.domainId,
    from_status: row.status,
    to_status: row.status,
    cause: row.cause,
    actor: row.actor,
    detail: row.detail?.slice(0, 2000) ?? null,
    created_at: at.getTime(),
  });
}

/** A domain's first appearance: no previous status, so it is a creation with a history row. */
async function createDomain(trx: Knex.Transaction, columns: Record<string, unknown>, status: DomainStatus, cause: string, actor: string, at: Date): Promise<number> {
  const now = at.getTime();
  const id = await insertReturningId(trx, 'dt_domains', { ...columns, status, status_changed_at: now, created_at: now, updated_at: now });
  await trx('dt_domain_status_history').insert({ domain_id: id, from_status: null, to_status: status, cause, actor, created_at: now });
  return id;
}

/** A transfer-in's domain, pending at the registry (or waiting for a corrected code). */
export function createPendingDomain(
  trx: Knex.Transaction,
  row: {
    domain: string;
    clientId: string;
    registrarId: string;
    transferOrderId: number | null;
    registrarRef?: string | null;
    failureCode?: string | null;
    failureReason?: string | null;
  },
  cause: string,
  actor: string,
  at: Date,
): Promise<number> {
  const columns = {
    domain: row.domain,
    client_id: row.clientId,
    registrar_id: row.registrarId,
    registrar_ref: row.registrarRef ?? null,
    transfer_order_id: row.transferOrderId,
    failure_code: row.failureCode ?? null,
    failure_reason: row.failureReason ?? null,
  };
  return createDomain(trx, columns, 'pending', cause, actor, at);
}

/**
 * A domain that is already ours when the module first sees it (registered elsewhere in the
 * host, or imported): it starts active, with a creation history row like a pending one.
 */
export function createActiveDomain(
  trx: Knex.Transaction,
  row: { domain: string; clientId: string; registrarId: string; expiryDate?: Date | null },
  cause: string,
  actor: string,
  at: Date,
): Promise<number> {
  const columns = { domain: row.domain, client_id: row.clientId, registrar_id: row.registrarId, expiry_date: row.expiryDate?.getTime() ?? null };
  return createDomain(trx, columns, 'active', cause, actor, at);
}
