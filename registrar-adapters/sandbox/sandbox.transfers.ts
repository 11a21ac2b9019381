import type { Knex } from 'knex';
import { engineOf } from '../../module/database.ts';
import { RegistrarError } from '../types.ts';
import { enqueueMessage } from './sandbox.queue.ts';
import { addYears, assertTransferAllowed, DAY_MS, formatStatuses, hashAuthCode, newAuthCode, normalizeRow, parseStatuses, type DomainRow, type TransferRow } from './sandbox.rules.ts';

// The transfer state machine's writes. Every transaction locks the domain row before it
// touches a transfer row, so the lock order is the same everywhere (no MySQL deadlocks).

export const DOMAINS = 'dt_sandbox_domains';
export const TRANSFERS = 'dt_sandbox_transfers';
export type TransferOutcome = 'completed' | 'rejected' | 'cancelled';
type Db = Knex | Knex.Transaction;

/** The domain row, locked for the rest of the transaction on MySQL (SQLite has one writer). */
export async function lockDomain(trx: Knex.Transaction, name: string): Promise<DomainRow | undefined> {
  return (await lockDomains(trx, [name])).get(name);
}

export async function transferById(db: Db, id: number): Promise<TransferRow | null> {
  return normalizeRow<TransferRow>(await db(TRANSFERS).where({ id }).first()) ?? null;
}

/** Domain rows by name, locked for the rest of the transaction on MySQL. */
async function lockDomains(trx: Knex.Transaction, names: string[]): Promise<Map<string, DomainRow>> {
  const query = trx(DOMAINS).whereIn('name', [...new Set(names)]);
  if (engineOf(trx) === 'mysql') query.forUpdate();
  const rows: DomainRow[] = (await query).map((row: DomainRow) => normalizeRow(row)!);
  return new Map(rows.map((row) => [row.name, row]));
}

export interface TransferRequestItem {
  domain: string;
  gaining: string;
  /** undefined skips the code check (admin simulations). */
  authCode?: string;
  periodYears: number;
}

/**
 * Decides transfer requests that arrived together, in one transaction and in arrival order, as
 * a registry serving them one after another would: each gets its pending transfer or its own
 * refusal. A due pending transfer is applied first (auto-approval by the clock).
 */
export async function decideTransferRequests(
  trx: Knex.Transaction,
  items: TransferRequestItem[],
  now: number,
  windowDays: number,
): Promise<Array<TransferRow | RegistrarError>> {
  let rows = await lockDomains(trx, items.map((i) => i.domain));
  const pendingIds = [...rows.values()].map((r) => r.pending_transfer_id).filter((id): id is number => id !== null);
  const pending = new Map<number, TransferRow>();
  if (pendingIds.length) for (const t of await trx(TRANSFERS).whereIn('id', pendingIds)) pending.set(Number(t.id), normalizeRow<TransferRow>(t)!);
  const due = [...pending.values()].filter((t) => t.status === 'pending' && t.action_date <= now);
  if (due.length) {
    for (const t of due) await settleTransfer(trx, t.id, 'completed', t.action_date, null);
    rows = await lockDomains(trx, items.map((i) => i.domain));
  }

  const claims: TransferRow[] = [];
  const claimed = new Map<string, TransferRow>();
  const decisions = items.map((item): TransferRow | RegistrarError => {
    const row = rows.get(item.domain);
    if (!row) return new RegistrarError('not_found', `${item.domain} is not registered at this registry.`, { rawCode: 2303 });
    const current = claimed.get(row.name) ?? (row.pending_transfer_id ? (pending.get(row.pending_transfer_id) ?? null) : null);
    try {
      assertTransferAllowed(row, current?.status === 'pending' ? current : null, item.gaining, item.authCode, now);
    } catch (error) {
      if (error instanceof RegistrarError) return error;
      throw error;
    }
    const transfer = pendingTransferRow(row, item.gaining, item.periodYears, now, windowDays);
    claims.push(transfer);
    claimed.set(row.name, transfer);
    return transfer;
  });
  // Fills in the ids of the rows the decisions hold.
  await insertPendingMany(trx, claims);
  return decisions;
}

function pendingTransferRow(row: DomainRow, gaining: string, periodYears: number, at: number, windowDays: number): TransferRow {
  return {
    id: 0,
    domain_id: row.id,
    domain: row.name,
    gaining_registrar: gaining,
    losing_registrar: row.sponsor,
    status: 'pending',
    reason: null,
    period_years: periodYears,
    requested_at: at,
    action_date: at + windowDays * DAY_MS,
    resolved_at: null,
    expiry_after: null,
  };
}

/**
 * Records pending transfers, filling in their ids, and claims their domains (rows the caller
 * has locked): one insert and one conditional update for all of them. A domain claimed meanwhile fails the lot with
 * `already_pending`, and the transaction rolls back.
 */
async function insertPendingMany(trx: Knex.Transaction, rows: TransferRow[]): Promise<void> {
  if (!rows.length) return;
  const at = rows[0]!.requested_at;
  const insert = trx(TRANSFERS).insert(rows.map(({ id: _id, ...row }) => row));
  let inserted: Array<{ id: number; domain_id: number }>;
  if (engineOf(trx) === 'sqlite') {
    inserted = await insert.returning(['id', 'domain_id']);
  } else {
    // MySQL has no RETURNING, and interleaved auto-increment makes the ids of a multi-row
    // insert non-consecutive: read them back (the domain rows are locked, so these are ours).
    await insert;
    inserted = await trx(TRANSFERS).whereIn('domain', rows.map((r) => r.domain)).where({ status: 'pending', requested_at: at }).select('id', 'domain_id');
  }
  const ids = new Map<number, number>();
  for (const t of inserted) ids.set(Number(t.domain_id), Math.max(Number(t.id), ids.get(Number(t.domain_id)) ?? 0));
  for (const row of rows) row.id = ids.get(row.domain_id)!;
  const claimed = await trx(DOMAINS)
    .whereIn('id', rows.map((r) => r.domain_id))
    .whereNull('pending_transfer_id')
    .update({ pending_transfer_id: trx.raw(`case id ${rows.map(() => 'when ? then ?').join(' ')} end`, rows.flatMap((r) => [r.domain_id, r.id])), updated_at: at });
  if (claimed !== rows.length) {
    throw new RegistrarError('already_pending', `Another transfer request for ${rows.length === 1 ? rows[0]!.domain : 'one of these domains'} was accepted a moment ago.`, { rawCode: 2300 });
  }
}

/** One pending transfer for a domain row the caller has locked (demo seeding, simulations). */
export async function insertPending(
  trx: Knex.Transaction,
  row: DomainRow,
  gaining: string,
  at: number,
  periodYears: number,
  windowDays: number,
): Promise<TransferRow> {
  const transfer = pendingTransferRow(row, gaining, periodYears, at, windowDays);
  await insertPendingMany(trx, [transfer]);
  return transfer;
}

/**
 * Moves a pending transfer to its outcome and applies it to the domain. Conditional on the
 * transfer still being pending, so a second settler (another read, another process) is a no-op.
 */
export async function settleTransfer(
  trx: Knex.Transaction,
  transferId: number,
  outcome: TransferOutcome,
  at: number,
  reason: string | null,
): Promise<boolean> {
  const transfer = await transferById(trx, transferId);
  if (!transfer || transfer.status !== 'pending') return false;
  const row = (await lockDomain(trx, transfer.domain))!;
  const expiryAfter = outcome === 'completed' ? addYears(row.expires_at, transfer.period_years) : null;
  const why = outcome === 'completed' ? null : (reason ?? (outcome === 'rejected' ? 'Rejected.' : 'Cancelled.'));
  const won = await trx(TRANSFERS).where({ id: transferId, status: 'pending' }).update({ status: outcome, resolved_at: at, reason: why, expiry_after: expiryAfter });
  if (!won) return false;
  const update: Partial<DomainRow> = { pending_transfer_id: null, updated_at: at };
  if (outcome === 'completed') {
    // Client statuses belong to the losing registrar; the registry keeps its own.
    update.statuses = formatStatuses(parseStatuses(row.statuses).filter((s) => !s.startsWith('client')));
    update.sponsor = transfer.gaining_registrar;
    update.expires_at = expiryAfter!;
    update.last_transferred_at = at;
    // Nobody knows the new code; the new sponsor sets one when the owner asks for it.
    update.auth_code_hash = hashAuthCode(newAuthCode());
    const status = { kind: 'completed' as const, expiryDate: expiryAfter! };
    await enqueueMessage(trx, { registrarId: transfer.gaining_registrar, domain: row.name, direction: 'in', status, at });
    await enqueueMessage(trx, { registrarId: transfer.losing_registrar, domain: row.name, direction: 'out', status, at });
  } else {
    await enqueueMessage(trx, { registrarId: transfer.gaining_registrar, domain: row.name, direction: 'in', status: { kind: 'rejected', reason: why! }, at });
  }
  await trx(DOMAINS).where({ id: row.id, pending_transfer_id: transferId }).update(update);
  return true;
}
