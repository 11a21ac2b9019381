export const REGISTRAR_ERROR_CODES = [
  'transient',
  'rate_limited',
  'auth_code_invalid',
  'transfer_prohibited',
  'not_eligible',
  'not_found',
  'already_pending',
  'unsupported',
  /** The registry refused to let our registrar act on the object (EPP 2201): not the client's code. */
  'not_authorized',
  /** The registry refused our registrar's login (EPP 2200/2501): our credentials, not the request. */
  'authentication_failed',
  /** The request cannot be sent as it is (a value outside the protocol's limits). */
  'invalid_input',
  /** The registry asks more for the transfer (an RFC 8748 premium fee) than the registrar's limit allows. */
  'premium_price',
] as const;
export type RegistrarErrorCode = (typeof REGISTRAR_ERROR_CODES)[number];

// A refused login is retryable for the request (it is not the request's fault, and it will go
// through once the credentials are fixed); adapters must not send a login per retry.
const RETRYABLE: ReadonlySet<string> = new Set<RegistrarErrorCode>(['transient', 'rate_limited', 'authentication_failed']);

/**
 * Marks a RegistrarError from any copy of this package. A host may end up with two copies (an
 * adapter package built against another version), and `instanceof` would tell their errors
 * apart; the brand is a registered symbol, the same in every copy.
 */
const BRAND = Symbol.for('domain-transfers.RegistrarError');

/**
 * A failure reported by a registrar. `registrarMessage` keeps the server's own words,
 * because registries answer the same refusal with different codes.
 */
export class RegistrarError extends Error {
  readonly code: RegistrarErrorCode;
  readonly registrarMessage: string;
  /** Raw protocol code where there is one (EPP result code, HTTP status). */
  readonly rawCode?: string | number;

  constructor(code: RegistrarErrorCode, registrarMessage: string, options: { rawCode?: string | number; cause?: unknown } = {}) {
    super(`${code}: ${registrarMessage}`, { cause: options.cause });
    this.name = 'RegistrarError';
    this.code = code;
    this.registrarMessage = registrarMessage;
    this.rawCode = options.rawCode;
    Object.defineProperty(this, BRAND, { value: true });
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  /** `error instanceof RegistrarError` holds for a RegistrarError of any copy of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === RegistrarError ? isRegistrarError(value) : Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** A RegistrarError from this or any other copy of the package, with a code this copy knows. */
export function isRegistrarError(value: unknown): value is RegistrarError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { [BRAND]?: unknown; code?: unknown; registrarMessage?: unknown };
  return candidate[BRAND] === true && (REGISTRAR_ERROR_CODES as readonly unknown[]).includes(candidate.code) && typeof candidate.registrarMessage === 'string';
}

/** Worth trying again later (the registrar was down or asked us to slow down). */
export function isRetryable(error: Pick<RegistrarError, 'code'>): boolean {
  return RETRYABLE.has(error.code);
}

/**
 * An adapter option that cannot work, found when the adapter is created (a password outside the
 * protocol's length, a certificate missing). The module reports it as a configuration error
 * naming `registrars.<id>.options.<option>`.
 */
export class AdapterOptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdapterOptionError';
  }
}
