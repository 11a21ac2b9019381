import type { DomainInfo } from '../../registrar-adapters/types.ts';
import { unmetTransferRules, type TransferWindows, type UnmetRule } from '../domains/transfer-rules.ts';

/** `in_progress`: a transfer-out is under way; the status row says so rather than "not met". */
export type RuleState = 'met' | 'unmet' | 'unknown' | 'in_progress';

/** One row of the seeds' transfer-out rules table (seed 000/001), with why it is unmet. */
export interface TransferOutRuleRow {
  id: 'registered' | 'last_transfer' | 'expiry' | 'renewal' | 'status';
  /** The window in days, where the rule has one. */
  days?: number;
  state: RuleState;
  reasons: UnmetRule[];
}

/**
 * Which unmet rules (from the shared rules table) belong to which row of the seeds' table.
 * A redemption counts with renewals: the seed gives both the same 45-day window.
 */
const ROWS: ReadonlyArray<{ id: TransferOutRuleRow['id']; window?: keyof TransferWindows; rules: readonly string[]; needs?: keyof DomainInfo }> = [
  { id: 'registered', window: 'daysAfterRegistration', rules: ['too_new'], needs: 'createdAt' },
  { id: 'last_transfer', window: 'daysAfterTransfer', rules: ['recently_transferred'] },
  { id: 'expiry', window: 'daysBeforeExpiry', rules: ['expiring_soon', 'expired'], needs: 'expiresAt' },
  { id: 'renewal', window: 'daysAfterRenewal', rules: ['recently_renewed', 'redemption'] },
  { id: 'status', rules: ['locked_client_out', 'locked_server', 'pending_transfer', 'pending_delete'] },
];

export interface TransferOutEligibility {
  /** null when the registry facts are unknown, so nobody can say. */
  eligible: boolean | null;
  rows: TransferOutRuleRow[];
  unmet: UnmetRule[];
}

/** Evaluates the transfer-out rules on registry facts; `info` null means the facts are unknown. */
export function transferOutEligibility(info: DomainInfo | null, windows: TransferWindows, now: Date): TransferOutEligibility {
  if (!info) {
    return { eligible: null, unmet: [], rows: ROWS.map((r) => ({ id: r.id, days: r.window ? windows[r.window] : undefined, state: 'unknown', reasons: [] })) };
  }
  const unmet = unmetTransferRules(info, windows, now, 'out');
  // Our own domain leaving: "a transfer is pending" is the transfer under way, not a rule broken.
  const leaving = info.pendingTransferOut;
  const rows = ROWS.map((row): TransferOutRuleRow => {
    let reasons = unmet.filter((u) => row.rules.includes(u.rule));
    if (leaving && row.id === 'status') {
      const others = reasons.filter((u) => u.rule !== 'pending_transfer');
      if (!others.length) return { id: row.id, state: 'in_progress', reasons: [{ rule: 'transfer_out_in_progress', params: { gaining: leaving.gainingRegistrar } }] };
      reasons = others;
    }
    const state: RuleState = reasons.length ? 'unmet' : row.needs && !info[row.needs] ? 'unknown' : 'met';
    return { id: row.id, days: row.window ? windows[row.window] : undefined, state, reasons };
  });
  // Anything the rules table knows that the seeds' table has no row for still blocks.
  const covered = new Set(ROWS.flatMap((r) => r.rules));
  const stray = unmet.filter((u) => !covered.has(u.rule));
  if (stray.length) rows[rows.length - 1] = { ...rows[rows.length - 1]!, state: 'unmet', reasons: [...rows[rows.length - 1]!.reasons, ...stray] };
  return { eligible: unmet.length === 0, rows, unmet };
}

/** Registrars may name the recipient in words ("the registrant on record") instead. */
export function isEmailAddress(value: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(value);
}

/** `owner@example.com` → `o***r@example.com`: enough to recognise, not enough to harvest. */
export function maskEmail(value: string): string {
  if (!isEmailAddress(value)) return value;
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  const masked = local.length <= 2 ? `${local[0]}***` : `${local[0]}***${local[local.length - 1]}`;
  return `${masked}@${domain}`;
}
