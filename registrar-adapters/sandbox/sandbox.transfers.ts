import type { Knex } from 'knex';
import { engineOf } from '../../module/database.ts';
import { RegistrarError } from '../types.ts';
import { enqueueMessage } from './sandbox.queue.ts';
import { addYears, DAY_MS, formatStatuses, hashAuthCode, newAuthCode, normalizeRow, parseStatuses, type DomainRow, type TransferRow } from './sandbox.rules.ts';

// The transfer state machine's writes. Every transaction locks the domain row before it
// touches a transfer row, so the lock order is the same everywhere (no MySQL deadlocks).

export const DOMAINS = 'dt_sandbox_domains';
export const TRANSFERS = 'dt_sandbox_transfers';
export type TransferOutcome = 'completed' | 'rejected' | 'cancelled';
type Db = Knex | Knex.Transaction;

/** The domain row, locked for the rest of the transaction on MySQL (SQLite has one writer). */
export async function lockDomain(trx: Knex.Transaction, name: string): Promise<DomainRow | undefined> {
  const query = trx(DOMAINS).where({ name });
  if (engineOf(trx) === 'mysql') query.forUpdate();
  return normalizeRow<DomainRow>(await query.first());
}

export async function transferById(db: Db, id: number): Promise<TransferRow | null> {
  return normalizeRow<TransferRow>(await db(TRANSFERS).where({ id }).first()) ?? null;
}

/**
 * Records a pending transfer and claims the domain for it. The claim is a conditional update,
 * so when two requests race, the loser fails with `already_pending` and its row rolls back.
 */
export async function insertPending(
  trx: Knex.Transaction,
  row: DomainRow,
  gaining: string,
  at: number,
  periodYears: number,
  windowDays: number,
): Promise<TransferRow> {
  const transfer = {
    domain_id: row.id,
    domain: row.name,
    gaining_registrar: gaining,
    losing_registrar: row.sponsor,
    status: 'pending' as const,
    reason: null,
    period_years: periodYears,
    requested_at: at,
    action_date: at + windowDays * DAY_MS,
    resolved_at: null,
    expiry_after: null,
  };
  const [id] = await trx(TRANSFERS).insert(transfer);
  const claimed = await trx(DOMAINS).where({ id: row.id }).whereNull('pending_transfer_id').update({ pending_transfer_id: Number(id), updated_at: at });
  if (!claimed) throw new RegistrarError('already_pending', `Another transfer request for ${row.name} was accepted a moment ago.`, { rawCode: 2300 });
  return { ...transfer, id: Number(id) };
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
