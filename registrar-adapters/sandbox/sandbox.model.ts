import { SANDBOX_DEMO_AUTH_CODE, SANDBOX_OTHER_REGISTRAR, type SandboxDomainInput } from './sandbox.demo-data.ts';
import { DAY_MS, formatStatuses, hashAuthCode, visibleStatuses, type DomainRow, type TransferRow } from './sandbox.rules.ts';

export interface SandboxTransfer {
  id: number;
  /** What the adapter hands back as the transfer reference. */
  reference: string;
  domain: string;
  gainingRegistrar: string;
  losingRegistrar: string;
  status: TransferRow['status'];
  reason: string | null;
  periodYears: number;
  requestedAt: Date;
  actionDate: Date;
  resolvedAt: Date | null;
  expiryAfter: Date | null;
}

/** A domain as the registry's admin page sees it. */
export interface SandboxDomain {
  name: string;
  sponsor: string;
  sponsoredByUs: boolean;
  /** EPP statuses, including derived `ok` / `pendingTransfer`. */
  statuses: string[];
  createdAt: Date;
  expiresAt: Date;
  lastTransferredAt: Date | null;
  lastRenewedAt: Date | null;
  registrantEmail: string | null;
  pendingTransfer: SandboxTransfer | null;
}

const REFERENCE = /^sandbox-transfer-(\d+)$/;
const optionalDate = (ms: number | null) => (ms === null ? null : new Date(ms));

export function transferIdFromReference(reference: string | undefined): number | undefined {
  const id = reference ? REFERENCE.exec(reference)?.[1] : undefined;
  return id ? Number(id) : undefined;
}

export function toTransfer(row: TransferRow): SandboxTransfer {
  return {
    id: row.id,
    reference: `sandbox-transfer-${row.id}`,
    domain: row.domain,
    gainingRegistrar: row.gaining_registrar,
    losingRegistrar: row.losing_registrar,
    status: row.status,
    reason: row.reason,
    periodYears: row.period_years,
    requestedAt: new Date(row.requested_at),
    actionDate: new Date(row.action_date),
    resolvedAt: optionalDate(row.resolved_at),
    expiryAfter: optionalDate(row.expiry_after),
  };
}

export function toDomain(row: DomainRow, pending: TransferRow | null, ourRegistrarId: string): SandboxDomain {
  return {
    name: row.name,
    sponsor: row.sponsor,
    sponsoredByUs: row.sponsor === ourRegistrarId,
    statuses: visibleStatuses(row),
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    lastTransferredAt: optionalDate(row.last_transferred_at),
    lastRenewedAt: optionalDate(row.last_renewed_at),
    registrantEmail: row.registrant_email,
    pendingTransfer: pending && pending.status === 'pending' ? toTransfer(pending) : null,
  };
}

/** The row to insert for an input; `authCodeHash` lets bulk inserts hash a shared code once. */
export function toInsertRow(input: SandboxDomainInput, now: number, authCodeHash?: string | null): Omit<DomainRow, 'id'> {
  const code = input.authCode === undefined ? SANDBOX_DEMO_AUTH_CODE : input.authCode;
  const name = input.name.toLowerCase();
  return {
    name,
    sponsor: input.sponsor ?? SANDBOX_OTHER_REGISTRAR,
    statuses: formatStatuses(input.statuses ?? []),
    auth_code_hash: authCodeHash !== undefined ? authCodeHash : code === null ? null : hashAuthCode(code),
    registrant_email: input.registrantEmail === undefined ? `registrant@${name}` : input.registrantEmail,
    created_at: input.createdAt?.getTime() ?? now - 2 * 365 * DAY_MS,
    expires_at: input.expiresAt?.getTime() ?? now + 200 * DAY_MS,
    last_transferred_at: input.lastTransferredAt?.getTime() ?? null,
    last_renewed_at: input.lastRenewedAt?.getTime() ?? null,
    pending_transfer_id: null,
    updated_at: now,
  };
}
