import { describe, expect, it } from 'vitest';
import type { DomainInfo } from '../../registrar-adapters/types.ts';
import { isEmailAddress, maskEmail, transferOutEligibility } from './transfer-out.rules.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const WINDOWS = { daysAfterRegistration: 60, daysAfterTransfer: 60, daysBeforeExpiry: 15, daysAfterRenewal: 45 };
const info = (over: Partial<DomainInfo> = {}): DomainInfo => ({
  domain: 'example.com',
  sponsoredByUs: true,
  registrar: 'us',
  statuses: ['ok'],
  createdAt: new Date(NOW.getTime() - 400 * DAY),
  expiresAt: new Date(NOW.getTime() + 300 * DAY),
  ...over,
});
const leaving = { gainingRegistrar: 'Other Registrar', requestedAt: new Date(NOW.getTime() - DAY), actionDate: new Date(NOW.getTime() + 4 * DAY) };
const stateOf = (result: ReturnType<typeof transferOutEligibility>) => Object.fromEntries(result.rows.map((r) => [r.id, r.state]));

describe('the transfer-out rules table', () => {
  it('says nothing is known when the registry could not be asked, with each row’s window', () => {
    const result = transferOutEligibility(null, WINDOWS, NOW);
    expect(result).toEqual({
      eligible: null,
      unmet: [],
      rows: [
        { id: 'registered', days: 60, state: 'unknown', reasons: [] },
        { id: 'last_transfer', days: 60, state: 'unknown', reasons: [] },
        { id: 'expiry', days: 15, state: 'unknown', reasons: [] },
        { id: 'renewal', days: 45, state: 'unknown', reasons: [] },
        { id: 'status', days: undefined, state: 'unknown', reasons: [] },
      ],
    });
  });

  it('meets every row for a settled domain, and leaves a row whose date the registry did not give unknown', () => {
    expect(transferOutEligibility(info(), WINDOWS, NOW)).toMatchObject({ eligible: true, unmet: [] });
    expect(stateOf(transferOutEligibility(info(), WINDOWS, NOW))).toEqual({ registered: 'met', last_transfer: 'met', expiry: 'met', renewal: 'met', status: 'met' });
    expect(stateOf(transferOutEligibility(info({ createdAt: undefined, expiresAt: undefined }), WINDOWS, NOW))).toEqual({ registered: 'unknown', last_transfer: 'met', expiry: 'unknown', renewal: 'met', status: 'met' });
  });

  it('shows a transfer-out under way as in progress with the gaining registrar, not as a broken rule', () => {
    const result = transferOutEligibility(info({ statuses: ['pendingTransfer'], pendingTransferOut: leaving }), WINDOWS, NOW);
    expect(result.rows.find((r) => r.id === 'status')).toEqual({ id: 'status', state: 'in_progress', reasons: [{ rule: 'transfer_out_in_progress', params: { gaining: 'Other Registrar' } }] });
    // Still not eligible for a new one while it runs.
    expect(result.eligible).toBe(false);
  });

  it('lists the other status rules that block while a transfer-out is under way, without the transfer itself', () => {
    const result = transferOutEligibility(info({ statuses: ['pendingTransfer', 'serverTransferProhibited'], pendingTransferOut: leaving }), WINDOWS, NOW);
    expect(result.rows.find((r) => r.id === 'status')).toEqual({ id: 'status', days: undefined, state: 'unmet', reasons: [{ rule: 'locked_server', params: {} }] });
  });

  it('keeps a pending transfer that is not ours leaving as an unmet status rule', () => {
    const result = transferOutEligibility(info({ statuses: ['pendingTransfer'] }), WINDOWS, NOW);
    expect(result.rows.find((r) => r.id === 'status')).toEqual({ id: 'status', days: undefined, state: 'unmet', reasons: [{ rule: 'pending_transfer', params: {} }] });
  });

  it('puts a rule the table has no row for under status, so it still blocks', () => {
    const result = transferOutEligibility(info({ manualTransferOut: 'hk_application_form' }), WINDOWS, NOW);
    expect(result.eligible).toBe(false);
    expect(result.rows.at(-1)).toEqual({ id: 'status', days: undefined, state: 'unmet', reasons: [{ rule: 'manual_hk_application_form', params: {} }] });
  });
});

describe('the recipient of an emailed code', () => {
  it('masks an address enough to recognise it, and leaves words that only contain one as they are', () => {
    expect(maskEmail('owner@example.com')).toBe('o***r@example.com');
    expect(maskEmail('ab@example.com')).toBe('a***@example.com');
    expect(isEmailAddress('the registrant on record')).toBe(false);
    expect(isEmailAddress('mail to owner@example.com')).toBe(false);
    expect(maskEmail('mail to owner@example.com')).toBe('mail to owner@example.com');
  });
});
