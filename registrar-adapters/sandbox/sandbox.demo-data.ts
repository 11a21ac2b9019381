import type { RegistrarErrorCode } from '../types.ts';

/**
 * The one auth code every "valid" demo domain accepts. Documented on purpose: the demo is
 * about what a registry does with a code, not about keeping this one secret.
 */
export const SANDBOX_DEMO_AUTH_CODE = 'Sandbox-Demo-2026!';

/** Registrar ids the sandbox registry knows besides ours. */
export const SANDBOX_OTHER_REGISTRAR = 'other-registrar';
export const SANDBOX_THIRD_REGISTRAR = 'third-registrar';

/** A domain to put into the sandbox registry. Dates default relative to the registry clock. */
export interface SandboxDomainInput {
  name: string;
  /** Sponsoring registrar id; defaults to `other-registrar`. */
  sponsor?: string;
  /** Defaults to SANDBOX_DEMO_AUTH_CODE; `null` means no code is ever accepted. */
  authCode?: string | null;
  /** Persistent statuses such as `clientTransferProhibited`; `ok`/`pendingTransfer` are derived. */
  statuses?: string[];
  /** Defaults to two years ago. */
  createdAt?: Date;
  /** Defaults to 200 days ahead. */
  expiresAt?: Date;
  lastTransferredAt?: Date | null;
  lastRenewedAt?: Date | null;
  /** Defaults to `registrant@<name>`. */
  registrantEmail?: string | null;
}

export type SandboxDemoCase =
  | 'transferable'
  | 'locked'
  | 'wrong_code'
  | 'recently_registered'
  | 'recently_transferred'
  | 'expiring'
  | 'registry_lock'
  | 'pending_transfer'
  | 'ours_unlocked'
  | 'ours_locked'
  | 'ours_long_ago';

export interface SandboxDemoDomain {
  name: string;
  case: SandboxDemoCase;
  /** True for domains sponsored by us (transfer-out demos). */
  ours: boolean;
  /** What a transfer-in request with SANDBOX_DEMO_AUTH_CODE answers, or `pending` for success. */
  transferOutcome: RegistrarErrorCode | 'pending';
  description: string;
}

export const SANDBOX_DEMO_DOMAINS: readonly SandboxDemoDomain[] = Object.freeze([
  { name: 'demo-transferable.com', case: 'transferable', ours: false, transferOutcome: 'pending', description: 'Unlocked, valid code, years old: the transfer goes pending and auto-approves.' },
  { name: 'demo-locked.com', case: 'locked', ours: false, transferOutcome: 'transfer_prohibited', description: 'clientTransferProhibited is set at the current registrar.' },
  { name: 'demo-wrong-code.com', case: 'wrong_code', ours: false, transferOutcome: 'auth_code_invalid', description: 'Every auth code given is wrong.' },
  { name: 'demo-new.com', case: 'recently_registered', ours: false, transferOutcome: 'not_eligible', description: 'Registered 20 days ago, inside the 60-day window.' },
  { name: 'demo-recent-transfer.com', case: 'recently_transferred', ours: false, transferOutcome: 'not_eligible', description: 'Transferred 10 days ago, inside the 60-day window.' },
  { name: 'demo-expiring.com', case: 'expiring', ours: false, transferOutcome: 'not_eligible', description: 'Expires in 7 days; the registry refuses transfers within 15 days of expiry.' },
  { name: 'demo-registry-lock.net', case: 'registry_lock', ours: false, transferOutcome: 'transfer_prohibited', description: 'serverTransferProhibited: only the registry can lift it.' },
  { name: 'demo-pending.org', case: 'pending_transfer', ours: false, transferOutcome: 'already_pending', description: 'A transfer to third-registrar is already pending.' },
  { name: 'demo-ours.com', case: 'ours_unlocked', ours: true, transferOutcome: 'not_eligible', description: 'Sponsored by us, unlocked: for transfer-out demos.' },
  { name: 'demo-ours-locked.net', case: 'ours_locked', ours: true, transferOutcome: 'not_eligible', description: 'Sponsored by us, locked.' },
  { name: 'demo-ours-classic.org', case: 'ours_long_ago', ours: true, transferOutcome: 'not_eligible', description: 'Sponsored by us since 20 years ago.' },
]);

const DAY = 24 * 60 * 60 * 1000;

/** The registry rows for every demo domain, dated relative to `now`. */
export function demoDomainInputs(now: Date, ourRegistrarId: string): Array<SandboxDomainInput & { demo: SandboxDemoDomain }> {
  const at = (days: number) => new Date(now.getTime() + days * DAY);
  const byCase = new Map(SANDBOX_DEMO_DOMAINS.map((d) => [d.case, d]));
  const row = (demoCase: SandboxDemoCase, input: Omit<SandboxDomainInput, 'name'>) => {
    const demo = byCase.get(demoCase)!;
    return { name: demo.name, registrantEmail: `owner@${demo.name}`, ...input, demo };
  };
  const other = { sponsor: SANDBOX_OTHER_REGISTRAR, authCode: SANDBOX_DEMO_AUTH_CODE };
  return [
    row('transferable', { ...other, createdAt: at(-3 * 365), expiresAt: at(200) }),
    row('locked', { ...other, statuses: ['clientTransferProhibited'], createdAt: at(-3 * 365), expiresAt: at(200) }),
    row('wrong_code', { ...other, authCode: null, createdAt: at(-3 * 365), expiresAt: at(200) }),
    row('recently_registered', { ...other, createdAt: at(-20), expiresAt: at(345) }),
    row('recently_transferred', { ...other, createdAt: at(-4 * 365), expiresAt: at(300), lastTransferredAt: at(-10) }),
    row('expiring', { ...other, createdAt: at(-5 * 365), expiresAt: at(7) }),
    row('registry_lock', { ...other, statuses: ['serverTransferProhibited'], createdAt: at(-6 * 365), expiresAt: at(250) }),
    row('pending_transfer', { ...other, createdAt: at(-3 * 365), expiresAt: at(180) }),
    row('ours_unlocked', { sponsor: ourRegistrarId, authCode: null, createdAt: at(-2 * 365), expiresAt: at(150), lastRenewedAt: at(-215) }),
    row('ours_locked', { sponsor: ourRegistrarId, authCode: null, statuses: ['clientTransferProhibited'], createdAt: at(-3 * 365), expiresAt: at(90) }),
    row('ours_long_ago', { sponsor: ourRegistrarId, authCode: null, createdAt: at(-20 * 365), expiresAt: at(400), lastRenewedAt: at(-330) }),
  ];
}
