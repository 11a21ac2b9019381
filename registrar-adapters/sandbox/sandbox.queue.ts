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

/** What an injected fault does to a call. */
export type SandboxFaultKind = 'error' | 'delay' | 'hang' | 'drop';
export const SANDBOX_FAULT_KINDS: readonly SandboxFaultKind[] = ['error', 'delay', 'hang', 'drop'];

/** A fault to inject: by operation and domain, for the next `times` calls or a share (`rate`) of them. */
export interface SandboxFaultSpec {
  /** An adapter method name, or `*` for any call. */
  operation?: string;
  /**
   * error: fails with `errorCode`; delay: answers `delayMs` late; hang: never answers;
   * drop: the registry carries the request out and the answer is lost (a dropped connection).
   */
  kind?: SandboxFaultKind;
  errorCode?: string;
  delayMs?: number;
  /** `*`, `*.example` (a suffix) or one name. */
  domainPattern?: string;
  /** How many calls it applies to; with `rate`, the most it applies to (default: until cleared). */
  times?: number;
  /** The share of matching calls it applies to, 0 < rate ≤ 1. */
  rate?: number;
}

/** A fault as it is set: `times` is what is left of its count. */
export interface SandboxFaultListing {
  id: number;
  operation: string;
  kind: SandboxFaultKind;
  errorCode: string | null;
  delayMs: number | null;
  domainPattern: string;
  times: number;
  rate: number | null;
}

/** A fault taken for one call. */
export interface TakenFault {
  kind: SandboxFaultKind;
  errorCode: RegistrarErrorCode;
  delayMs: number;
}

interface FaultRow {
  id: number;
  kind: SandboxFaultKind;
  error_code: string;
  delay_ms: number | null;
  domain_pattern: string;
  rate: number | null;
}

/** `*` any name, `*.suffix` names under it, else the name itself. */
export function domainMatches(pattern: string, domain: string | undefined): boolean {
  if (pattern === '*') return true;
  if (!domain) return false;
  const name = domain.toLowerCase();
  const wanted = pattern.toLowerCase();
  return wanted.startsWith('*.') ? name.endsWith(wanted.slice(1)) : name === wanted;
}

/**
 * Faults live in a table so an admin or a second process can inject them into a running
 * sandbox; each use is a conditional decrement, so `times` holds under concurrency.
 */
export async function takeFault(knex: Knex, registrarId: string, operation: string, domain?: string, random = Math.random): Promise<TakenFault | null> {
  const candidates: FaultRow[] = await knex(FAULTS)
    .where({ registrar_id: registrarId })
    .where('remaining', '>', 0)
    .whereIn('operation', [operation, '*'])
    .orderBy('id')
    .limit(50)
    .select('id', 'kind', 'error_code', 'delay_ms', 'domain_pattern', 'rate');
  for (const fault of candidates) {
    if (!domainMatches(fault.domain_pattern, domain)) continue;
    if (fault.rate !== null && random() >= Number(fault.rate)) continue;
    const taken = await knex(FAULTS).where({ id: fault.id }).where('remaining', '>', 0).decrement('remaining', 1);
    if (taken) return { kind: fault.kind, errorCode: (fault.error_code || 'transient') as RegistrarErrorCode, delayMs: Number(fault.delay_ms ?? 0) };
  }
  return null;
}
