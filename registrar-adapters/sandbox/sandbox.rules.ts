import crypto from 'node:crypto';
import { RegistrarError } from '../types.ts';

/** The registry's own fixed rules (ICANN windows), not the module's configurable ones. */
export const REGISTRY_RULES = Object.freeze({
  daysAfterRegistration: 60,
  daysAfterTransfer: 60,
  daysBeforeExpiry: 15,
});

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface DomainRow {
  id: number;
  name: string;
  sponsor: string;
  statuses: string;
  auth_code_hash: string | null;
  registrant_email: string | null;
  created_at: number;
  expires_at: number;
  last_transferred_at: number | null;
  last_renewed_at: number | null;
  pending_transfer_id: number | null;
  updated_at: number;
}

export interface TransferRow {
  id: number;
  domain_id: number;
  domain: string;
  gaining_registrar: string;
  losing_registrar: string;
  status: 'pending' | 'completed' | 'rejected' | 'cancelled';
  reason: string | null;
  period_years: number;
  requested_at: number;
  action_date: number;
  resolved_at: number | null;
  expiry_after: number | null;
}

const DATE_COLUMNS = ['created_at', 'expires_at', 'last_transferred_at', 'last_renewed_at', 'updated_at', 'requested_at', 'action_date', 'resolved_at', 'expiry_after'];

/** MySQL may hand BIGINT back as a string; every date column becomes a number here. */
export function normalizeRow<T>(row: T | undefined): T | undefined {
  if (!row) return row;
  const out = { ...row } as Record<string, unknown>;
  for (const key of DATE_COLUMNS) {
    if (key in out && out[key] !== null && out[key] !== undefined) out[key] = Number(out[key]);
  }
  for (const key of ['id', 'domain_id', 'pending_transfer_id', 'period_years']) {
    if (key in out && out[key] !== null && out[key] !== undefined) out[key] = Number(out[key]);
  }
  return out as T;
}

export function parseStatuses(value: string): string[] {
  return value ? value.split(',').filter(Boolean) : [];
}

export function formatStatuses(statuses: Iterable<string>): string {
  return [...new Set(statuses)].sort().join(',');
}

/** EPP view: persisted statuses plus derived `pendingTransfer`, or `ok` when there are none. */
export function visibleStatuses(row: DomainRow): string[] {
  const statuses = parseStatuses(row.statuses);
  if (row.pending_transfer_id) statuses.push('pendingTransfer');
  return statuses.length ? statuses.sort() : ['ok'];
}

export function hashAuthCode(code: string): string {
  return crypto.createHash('sha256').update(code, 'utf8').digest('hex');
}

export function authCodeMatches(storedHash: string | null, given: string): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(storedHash, 'hex');
  const b = Buffer.from(hashAuthCode(given), 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** RFC 9154: 144 random bits, url-safe, 24 characters. */
export function newAuthCode(): string {
  return crypto.randomBytes(18).toString('base64url');
}

export function addYears(ms: number, years: number): number {
  const date = new Date(ms);
  date.setUTCFullYear(date.getUTCFullYear() + years);
  return date.getTime();
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Decides whether the registry accepts a transfer request, in the order a registry checks:
 * existence, sponsorship, pending state, prohibiting statuses, authorisation, time windows.
 * `authCode` undefined skips authorisation (admin simulations of another registrar).
 */
export function assertTransferAllowed(
  row: DomainRow,
  pending: TransferRow | null,
  gaining: string,
  authCode: string | undefined,
  now: number,
): void {
  const name = row.name;
  if (row.sponsor === gaining) {
    throw new RegistrarError('not_eligible', `${name} is already sponsored by ${gaining}; there is nothing to transfer.`, { rawCode: 2106 });
  }
  if (pending) {
    const who = pending.gaining_registrar === gaining ? 'your' : `another registrar's (${pending.gaining_registrar})`;
    throw new RegistrarError(
      'already_pending',
      `${name} already has ${who} transfer request pending since ${day(pending.requested_at)}; the registry acts on it by ${day(pending.action_date)}.`,
      { rawCode: 2300 },
    );
  }
  const statuses = parseStatuses(row.statuses);
  if (statuses.includes('serverTransferProhibited')) {
    throw new RegistrarError('transfer_prohibited', `${name} has serverTransferProhibited: the registry has locked it, and only the registry can lift that lock.`, { rawCode: 2304 });
  }
  if (statuses.includes('clientTransferProhibited')) {
    throw new RegistrarError('transfer_prohibited', `${name} is locked (clientTransferProhibited) at ${row.sponsor}; the owner must unlock it there first.`, { rawCode: 2304 });
  }
  const blocking = statuses.find((s) => s === 'pendingDelete' || s === 'redemptionPeriod' || s === 'pendingRestore' || s === 'serverHold');
  if (blocking) {
    throw new RegistrarError('not_eligible', `${name} has status ${blocking} and cannot be transferred in that state.`, { rawCode: 2304 });
  }
  if (authCode !== undefined && !authCodeMatches(row.auth_code_hash, authCode)) {
    throw new RegistrarError('auth_code_invalid', `The auth code given for ${name} is not correct; ask ${row.sponsor} for the current code.`, { rawCode: 2202 });
  }
  const sinceCreation = now - row.created_at;
  if (sinceCreation < REGISTRY_RULES.daysAfterRegistration * DAY_MS) {
    throw new RegistrarError(
      'not_eligible',
      `${name} was registered on ${day(row.created_at)}; it cannot be transferred until ${day(row.created_at + REGISTRY_RULES.daysAfterRegistration * DAY_MS)} (60 days after registration).`,
      { rawCode: 2106 },
    );
  }
  if (row.last_transferred_at !== null && now - row.last_transferred_at < REGISTRY_RULES.daysAfterTransfer * DAY_MS) {
    throw new RegistrarError(
      'not_eligible',
      `${name} was transferred on ${day(row.last_transferred_at)}; it cannot be transferred again until ${day(row.last_transferred_at + REGISTRY_RULES.daysAfterTransfer * DAY_MS)} (60 days after a transfer).`,
      { rawCode: 2106 },
    );
  }
  if (row.expires_at - now < REGISTRY_RULES.daysBeforeExpiry * DAY_MS) {
    throw new RegistrarError(
      'not_eligible',
      `${name} expires on ${day(row.expires_at)}; the registry does not accept transfers within 15 days of expiry. Renew it at ${row.sponsor} first.`,
      { rawCode: 2106 },
    );
  }
}
