import type { SandboxDomainInput } from './sandbox.demo-data.ts';
import type { SandboxDomain, SandboxTransfer } from './sandbox.model.ts';
import type { SandboxFaultListing, SandboxFaultSpec } from './sandbox.queue.ts';

/**
 * The levers of a sandbox registry, for demos and a host's own tests: what the other side of a
 * transfer (the losing registrar, a gaining registrar, the registry itself) would do. Reached
 * through `module.sandbox(registrarId)`. Every change is a row in the sandbox's tables, so it
 * holds across processes and restarts.
 */
export interface SandboxControls {
  /** The registrar id the sandbox treats as "us". */
  readonly registrarId: string;
  /** A domain at the registry; by default held at another registrar, old enough, unlocked. */
  addDomain(input: SandboxDomainInput): Promise<SandboxDomain>;
  getDomain(name: string): Promise<SandboxDomain | null>;
  listDomains(options?: { sponsor?: string; limit?: number; offset?: number }): Promise<SandboxDomain[]>;
  /** The losing registrar approves our pending transfer-in at once. */
  approvePendingTransfer(name: string): Promise<SandboxTransfer>;
  /** The losing registrar rejects our pending transfer-in. */
  rejectPendingTransfer(name: string, reason: string): Promise<SandboxTransfer>;
  /** Another registrar asks for one of our domains (a pending transfer-out). */
  requestTransferOut(name: string, gainingRegistrar: string, options?: { authCode?: string }): Promise<SandboxTransfer>;
  /** Another registrar takes one of our domains, done at once; the sync then sees it gone. */
  simulateTransferAway(name: string, gainingRegistrar?: string): Promise<SandboxTransfer>;
  /** The next `times` calls of `operation` (an adapter method name, or `*`) fail with `errorCode`. */
  injectFault(operation: string, errorCode: string, times?: number): Promise<void>;
  /**
   * Any fault, by operation and domain pattern, for a count of calls or a share of them: an
   * error code, a delay, a call that never answers (hang), or a request carried out whose
   * answer is lost (drop).
   */
  addFault(spec: SandboxFaultSpec): Promise<void>;
  /** The faults still set, oldest first. */
  listFaults(): Promise<SandboxFaultListing[]>;
  clearFaults(): Promise<void>;
  /** Puts the demo domains back as they were seeded. Returns their names. */
  resetDemoDomains(): Promise<string[]>;
}
