import type { Knex } from 'knex';
import type { PendingTransferOut } from '../../registrar-adapters/types.ts';

/** What dt_domains holds about a pending transfer-out. */
export interface RecordedTransferOut {
  transfer_out_gaining: string | null;
  transfer_out_requested_at: number | string | null;
}

/**
 * Writes what the registry says about a pending transfer-out when it differs from what the
 * row holds (a conditional update, so the common case writes nothing). `null` clears it.
 */
export async function recordPendingTransferOut(knex: Knex | Knex.Transaction, domainId: number, recorded: RecordedTransferOut, pending: PendingTransferOut | null): Promise<void> {
  const gaining = pending?.gainingRegistrar.slice(0, 128) ?? null;
  const requestedAt = pending ? pending.requestedAt.getTime() : null;
  const storedAt = recorded.transfer_out_requested_at === null ? null : Number(recorded.transfer_out_requested_at);
  if (recorded.transfer_out_gaining === gaining && storedAt === requestedAt) return;
  await knex('dt_domains').where({ id: domainId, status: 'active' }).update({ transfer_out_gaining: gaining, transfer_out_requested_at: requestedAt });
}
