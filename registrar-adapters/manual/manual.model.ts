import type { TransferContacts } from '../types.ts';

export type ManualOperation = 'transfer' | 'lock' | 'eppCode';

/** How staff finish a task. Which kinds an operation accepts: see `OUTCOMES_BY_OPERATION`. */
export type ManualTaskOutcome =
  /** Transfer: the registrar completed it; `expiryDate` is the new expiry staff read there. */
  | { kind: 'completed'; expiryDate: Date; facts?: ManualDomainFactsInput }
  /** Any operation: the registrar refused, in its own words. */
  | { kind: 'rejected'; reason: string; facts?: ManualDomainFactsInput }
  /** Lock: the requested state is set. EPP code: handed to the registrant by email (`emailedTo`). */
  | { kind: 'done'; emailedTo?: string; facts?: ManualDomainFactsInput };

export const OUTCOMES_BY_OPERATION: Record<ManualOperation, ReadonlyArray<ManualTaskOutcome['kind']>> = {
  transfer: ['completed', 'rejected'],
  lock: ['done', 'rejected'],
  eppCode: ['done', 'rejected'],
};

export interface ManualTask {
  id: number;
  /** `manual-task-<id>`, the transfer reference handed to the module. */
  reference: string;
  adapterId: string;
  domain: string;
  operation: ManualOperation;
  status: 'open' | 'done';
  instructions: string;
  contacts: TransferContacts | null;
  periodYears: number | null;
  /** Lock tasks: the state staff are asked to set. */
  requestedLock: boolean | null;
  /** An EPP code is held (sealed) for this task. */
  hasSecret: boolean;
  secretPurgedAt: Date | null;
  secretRevealedAt: Date | null;
  secretRevealedBy: string | null;
  /** Present only when asked with `revealSecret` on an open task. */
  authCode?: string;
  outcome: { kind: ManualTaskOutcome['kind']; reason: string | null; expiryDate: Date | null; emailedTo: string | null } | null;
  completedAt: Date | null;
  completedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What staff last recorded about a domain at this registrar. */
export interface ManualDomainFacts {
  domain: string;
  sponsoredByUs: boolean | null;
  registrar: string | null;
  statuses: string[] | null;
  locked: boolean | null;
  createdAt: Date | null;
  expiresAt: Date | null;
  lastTransferredAt: Date | null;
  lastRenewedAt: Date | null;
  registrantEmail: string | null;
  recordedAt: Date;
  recordedBy: string;
}

/** Facts to record; omitted keys keep their recorded value, `null` clears it. */
export type ManualDomainFactsInput = Partial<Omit<ManualDomainFacts, 'domain' | 'recordedAt' | 'recordedBy'>>;

export type ManualTaskErrorCode = 'not_found' | 'already_completed' | 'invalid_outcome';

const HTTP_STATUS: Record<ManualTaskErrorCode, number> = { not_found: 404, already_completed: 409, invalid_outcome: 400 };

/** A request about a task that cannot be met; `status` is the HTTP status for the admin route. */
export class ManualTaskError extends Error {
  readonly status: number;
  constructor(
    readonly code: ManualTaskErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ManualTaskError';
    this.status = HTTP_STATUS[code];
  }
}

const REFERENCE = /^manual-task-(\d+)$/;

export function taskIdFromReference(reference: string | undefined): number | undefined {
  const match = reference ? REFERENCE.exec(reference) : null;
  return match ? Number(match[1]) : undefined;
}
