import type { Knex } from 'knex';
import { REGISTRAR_ERROR_CODES, type RegistrarErrorCode, type TransferStatus } from '../types.ts';

export const MESSAGES = 'dt_sandbox_messages';
export const FAULTS = 'dt_sandbox_faults';

export interface SandboxMessage {
  id: number;
  registrarId: string;
  domain: string;
  direction: 'in' | 'out';
  status: TransferStatus;
  createdAt: Date;
}

type StoredStatus =
  | { kind: 'pending'; actionDate?: number }
  | { kind: 'completed'; expiryDate: number }
  | { kind: 'rejected'; reason: string };

export async function enqueueMessage(
  db: Knex | Knex.Transaction,
  message: { registrarId: string; domain: string; direction: 'in' | 'out'; status: StoredStatus; at: number },
): Promise<void> {
  await db(MESSAGES).insert({
    registrar_id: message.registrarId,
    domain: message.domain,
    direction: message.direction,
    payload: JSON.stringify(message.status),
    created_at: message.at,
    acked_at: null,
  });
}

function toStatus(stored: StoredStatus): TransferStatus {
  if (stored.kind === 'completed') return { kind: 'completed', expiryDate: new Date(stored.expiryDate) };
  if (stored.kind === 'rejected') return { kind: 'rejected', reason: stored.reason };
  return { kind: 'pending', actionDate: stored.actionDate ? new Date(stored.actionDate) : undefined };
}

/** Unacknowledged messages for one registrar, oldest first. */
export async function readMessages(knex: Knex, registrarId: string, limit: number): Promise<SandboxMessage[]> {
  const rows = await knex(MESSAGES).where({ registrar_id: registrarId }).whereNull('acked_at').orderBy('id').limit(limit);
  return rows.map((row) => ({
    id: Number(row.id),
    registrarId: row.registrar_id,
    domain: row.domain,
    direction: row.direction,
    status: toStatus(JSON.parse(row.payload)),
    createdAt: new Date(Number(row.created_at)),
  }));
}

export async function ackMessage(knex: Knex, id: number, at: number): Promise<void> {
  await knex(MESSAGES).where({ id }).whereNull('acked_at').update({ acked_at: at });
}

export function assertErrorCode(code: string): asserts code is RegistrarErrorCode {
  if (!(REGISTRAR_ERROR_CODES as readonly string[]).includes(code)) {
    throw new Error(`unknown registrar error code "${code}" (known: ${REGISTRAR_ERROR_CODES.join(', ')})`);
  }
}

/**
 * Faults live in a table so an admin or a second process can inject them into a running
 * sandbox; each use is a conditional decrement, so `times` holds under concurrency.
 */
export async function takeFault(knex: Knex, registrarId: string, operation: string): Promise<RegistrarErrorCode | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const fault = await knex(FAULTS)
      .where({ registrar_id: registrarId })
      .where('remaining', '>', 0)
      .whereIn('operation', [operation, '*'])
      .orderBy('id')
      .first();
    if (!fault) return null;
    const taken = await knex(FAULTS).where({ id: fault.id }).where('remaining', '>', 0).decrement('remaining', 1);
    if (taken) return fault.error_code as RegistrarErrorCode;
  }
  return null;
}
