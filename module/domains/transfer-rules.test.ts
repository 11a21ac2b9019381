import { describe, expect, it } from 'vitest';
import type { DomainInfo } from '../../registrar-adapters/types.ts';
import { unmetTransferRules, type TransferWindows } from './transfer-rules.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const WINDOWS: TransferWindows = { daysAfterRegistration: 60, daysAfterTransfer: 60, daysBeforeExpiry: 15, daysAfterRenewal: 45 };
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const info = (facts: Partial<DomainInfo> = {}): DomainInfo => ({ domain: 'example.com', sponsoredByUs: false, registrar: 'Other', statuses: ['ok'], ...facts });
const rules = (facts: Partial<DomainInfo>, direction: 'in' | 'out' = 'in') => unmetTransferRules(info(facts), WINDOWS, NOW, direction);
const names = (facts: Partial<DomainInfo>, direction: 'in' | 'out' = 'in') => rules(facts, direction).map((r) => r.rule);

describe('the transfer rules, on registry facts', () => {
  it('are all met by a domain in good standing, in either direction', () => {
    const good = { createdAt: at(-400 * DAY), expiresAt: at(200 * DAY), lastTransferredAt: at(-100 * DAY), lastRenewedAt: at(-100 * DAY) };
    expect(rules(good, 'in')).toEqual([]);
    expect(rules(good, 'out')).toEqual([]);
    expect(rules({}, 'out')).toEqual([]);
  });

  it('name the lock that holds the domain, and whose it is', () => {
    expect(names({ statuses: ['clientTransferProhibited'] }, 'in')).toEqual(['locked_client_in']);
    expect(names({ statuses: ['clientTransferProhibited'] }, 'out')).toEqual(['locked_client_out']);
    expect(names({ statuses: ['serverTransferProhibited'] })).toEqual(['locked_server']);
    expect(names({ statuses: ['clientTransferProhibited', 'serverTransferProhibited'] }, 'out')).toEqual(['locked_client_out', 'locked_server']);
    // Other prohibitions do not stop a transfer.
    expect(names({ statuses: ['clientUpdateProhibited', 'clientDeleteProhibited', 'serverRenewProhibited'] })).toEqual([]);
  });

  it('refuse a domain already in a transfer, in redemption or being deleted', () => {
    expect(rules({ statuses: ['pendingTransfer'] })).toEqual([{ rule: 'pending_transfer', params: {} }]);
    expect(names({ statuses: ['redemptionPeriod'] })).toEqual(['redemption']);
    expect(names({ statuses: ['pendingRestore'] })).toEqual(['redemption']);
    expect(names({ statuses: ['pendingDelete'] })).toEqual(['pending_delete']);
  });

  it('count a transfer-out another registrar asked for, and a registrar’s own procedure, only on the way out', () => {
    const asked: Partial<DomainInfo> = { pendingTransferOut: { gainingRegistrar: 'Gaining', requestedAt: at(-DAY), actionDate: at(4 * DAY) } };
    expect(names(asked, 'out')).toEqual(['pending_transfer']);
    expect(names(asked, 'in')).toEqual([]);
    expect(names({ manualTransferOut: 'hk_application_form' }, 'out')).toEqual(['manual_hk_application_form']);
    expect(names({ manualTransferOut: 'hk_application_form' }, 'in')).toEqual([]);
  });

  it('wait the whole window after registration and after a transfer: met from its last day on, with the day it ends', () => {
    expect(rules({ createdAt: at(-60 * DAY + 1) })).toEqual([{ rule: 'too_new', params: { days: 60, date: '2026-06-01' } }]);
    expect(rules({ createdAt: at(-20 * DAY) })).toEqual([{ rule: 'too_new', params: { days: 60, date: '2026-07-11' } }]);
    expect(rules({ createdAt: at(-60 * DAY) })).toEqual([]);
    expect(rules({ lastTransferredAt: at(-60 * DAY + 1) })).toEqual([{ rule: 'recently_transferred', params: { days: 60, date: '2026-06-01' } }]);
    expect(rules({ lastTransferredAt: at(-10 * DAY) })).toEqual([{ rule: 'recently_transferred', params: { days: 60, date: '2026-07-21' } }]);
    expect(rules({ lastTransferredAt: at(-60 * DAY) })).toEqual([]);
  });

  it('wait after a renewal only on the way out', () => {
    expect(rules({ lastRenewedAt: at(-10 * DAY) }, 'out')).toEqual([{ rule: 'recently_renewed', params: { days: 45, date: '2026-07-06' } }]);
    expect(rules({ lastRenewedAt: at(-45 * DAY + 1) }, 'out')).toEqual([{ rule: 'recently_renewed', params: { days: 45, date: '2026-06-01' } }]);
    expect(rules({ lastRenewedAt: at(-45 * DAY) }, 'out')).toEqual([]);
    expect(rules({ lastRenewedAt: at(-10 * DAY) }, 'in')).toEqual([]);
  });

  it('refuse an expired domain, and one that expires within the window before expiry', () => {
    expect(rules({ expiresAt: at(-3 * DAY) })).toEqual([{ rule: 'expired', params: { date: '2026-05-29' } }]);
    // Expiring this very instant is expired, not expiring soon.
    expect(rules({ expiresAt: NOW }, 'out')).toEqual([{ rule: 'expired', params: { date: '2026-06-01' } }]);
    expect(rules({ expiresAt: at(1) })).toEqual([{ rule: 'expiring_soon', params: { days: 15, date: '2026-06-01' } }]);
    expect(rules({ expiresAt: at(15 * DAY) })).toEqual([{ rule: 'expiring_soon', params: { days: 15, date: '2026-06-16' } }]);
    expect(rules({ expiresAt: at(15 * DAY + 1) })).toEqual([]);
  });

  it('take every window from config', () => {
    const strict = unmetTransferRules(info({ createdAt: at(-70 * DAY), expiresAt: at(25 * DAY), lastTransferredAt: at(-70 * DAY), lastRenewedAt: at(-50 * DAY) }), { daysAfterRegistration: 90, daysAfterTransfer: 80, daysBeforeExpiry: 30, daysAfterRenewal: 60 }, NOW, 'out');
    expect(strict.map((r) => [r.rule, r.params.days])).toEqual([['too_new', 90], ['recently_transferred', 80], ['recently_renewed', 60], ['expiring_soon', 30]]);
  });

  it('list every unmet rule at once, locks first and dates after', () => {
    expect(names({ statuses: ['clientTransferProhibited', 'pendingDelete'], createdAt: at(-DAY), expiresAt: at(-DAY) }, 'in')).toEqual(['locked_client_in', 'pending_delete', 'too_new', 'expired']);
  });
});
