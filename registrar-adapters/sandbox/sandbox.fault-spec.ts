import { assertErrorCode, SANDBOX_FAULT_KINDS, type SandboxFaultSpec } from './sandbox.queue.ts';

/** "Until cleared", for a fault given by rate without a count (fits a 32-bit column). */
const UNTIL_CLEARED = 2_000_000_000;
/** The most calls a counted fault may name. */
const MAX_TIMES = 1_000_000;

/** A fault that cannot be set, naming the field that is wrong. */
export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

/** The row for a fault, or an Error naming the field that is wrong (shown as is on the admin page and the CLI). */
export function checkFault(spec: SandboxFaultSpec): { operation: string; kind: string; error_code: string; delay_ms: number | null; domain_pattern: string; rate: number | null; remaining: number } {
  const kind = spec.kind ?? 'error';
  if (!SANDBOX_FAULT_KINDS.includes(kind)) throw new FaultSpecError(`unknown fault kind "${kind}" (known: ${SANDBOX_FAULT_KINDS.join(', ')})`);
  const operation = (spec.operation ?? '*').trim() || '*';
  if (!/^(\*|[A-Za-z]{1,64})$/.test(operation)) throw new FaultSpecError(`operation "${operation}" is not an adapter method name or *`);
  if (kind === 'error') {
    try {
      assertErrorCode(spec.errorCode ?? '');
    } catch (error) {
      throw new FaultSpecError((error as Error).message);
    }
  }
  const delayMs = kind === 'delay' ? spec.delayMs : undefined;
  if (kind === 'delay' && (delayMs === undefined || !Number.isInteger(delayMs) || delayMs < 1 || delayMs > 600_000)) {
    throw new FaultSpecError('a delay needs delayMs, a whole number of milliseconds from 1 to 600000');
  }
  const domainPattern = (spec.domainPattern ?? '*').trim().toLowerCase() || '*';
  if (!/^(\*|(\*\.)?[a-z0-9.-]{1,253})$/.test(domainPattern)) throw new FaultSpecError(`domain pattern "${domainPattern}" is not *, *.suffix or a domain name`);
  if (spec.rate !== undefined && !(spec.rate > 0 && spec.rate <= 1)) throw new FaultSpecError('rate must be above 0 and at most 1');
  if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1 || spec.times > MAX_TIMES)) throw new FaultSpecError(`times must be a whole number from 1 to ${MAX_TIMES}`);
  return {
    operation,
    kind,
    error_code: kind === 'error' ? spec.errorCode! : '',
    delay_ms: delayMs ?? null,
    domain_pattern: domainPattern,
    rate: spec.rate ?? null,
    remaining: spec.times ?? (spec.rate !== undefined ? UNTIL_CLEARED : 1),
  };
}
