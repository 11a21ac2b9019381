import type { DomainInfo } from '../../registrar-adapters/types.ts';
import { addDays } from '../clock.ts';

export interface TransferWindows {
  daysAfterRegistration: number;
  daysAfterTransfer: number;
  daysBeforeExpiry: number;
  daysAfterRenewal: number;
}

/** One unmet rule: a message key under `rules:` and what fills it. */
export interface UnmetRule {
  rule: string;
  params: Record<string, string | number>;
}

const PROHIBITED_BY_CLIENT = ['clientTransferProhibited'];
const PROHIBITED_BY_SERVER = ['serverTransferProhibited'];
const IN_REDEMPTION = ['redemptionPeriod', 'pendingRestore'];

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * The ICANN / registrar rules a transfer must meet, evaluated on registry facts. The same
 * rules gate transfer-in (before any invoice) and transfer-out (shown before the buttons);
 * transfer-out adds the renewal/redemption window (seed 000). Windows come from config.
 */
export function unmetTransferRules(
  info: DomainInfo,
  windows: TransferWindows,
  now: Date,
  direction: 'in' | 'out',
): UnmetRule[] {
  const unmet: UnmetRule[] = [];
  const has = (list: string[]) => info.statuses.some((s) => list.includes(s));

  if (has(PROHIBITED_BY_CLIENT)) unmet.push({ rule: direction === 'in' ? 'locked_client_in' : 'locked_client_out', params: {} });
  if (has(PROHIBITED_BY_SERVER)) unmet.push({ rule: 'locked_server', params: {} });
  if (info.statuses.includes('pendingTransfer') || (direction === 'out' && info.pendingTransferOut)) {
    unmet.push({ rule: 'pending_transfer', params: {} });
  }
  if (has(IN_REDEMPTION)) unmet.push({ rule: 'redemption', params: {} });
  if (info.statuses.includes('pendingDelete')) unmet.push({ rule: 'pending_delete', params: {} });
  // A registrar that lets this domain go only by a procedure of its own: explained, not attempted.
  if (direction === 'out' && info.manualTransferOut) unmet.push({ rule: `manual_${info.manualTransferOut}`, params: {} });

  if (info.createdAt) {
    const eligibleOn = addDays(info.createdAt, windows.daysAfterRegistration);
    if (eligibleOn > now) unmet.push({ rule: 'too_new', params: { days: windows.daysAfterRegistration, date: isoDay(eligibleOn) } });
  }
  if (info.lastTransferredAt) {
    const eligibleOn = addDays(info.lastTransferredAt, windows.daysAfterTransfer);
    if (eligibleOn > now) unmet.push({ rule: 'recently_transferred', params: { days: windows.daysAfterTransfer, date: isoDay(eligibleOn) } });
  }
  if (direction === 'out' && info.lastRenewedAt) {
    const eligibleOn = addDays(info.lastRenewedAt, windows.daysAfterRenewal);
    if (eligibleOn > now) unmet.push({ rule: 'recently_renewed', params: { days: windows.daysAfterRenewal, date: isoDay(eligibleOn) } });
  }
  if (info.expiresAt) {
    if (info.expiresAt <= now) {
      unmet.push({ rule: 'expired', params: { date: isoDay(info.expiresAt) } });
    } else if (addDays(now, windows.daysBeforeExpiry) >= info.expiresAt) {
      unmet.push({ rule: 'expiring_soon', params: { days: windows.daysBeforeExpiry, date: isoDay(info.expiresAt) } });
    }
  }
  return unmet;
}
