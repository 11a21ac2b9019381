import { RegistrarError, type RegistrarErrorCode } from '../types.ts';
import type { EppResponse } from './epp.response.ts';

/** 1000 ok, 1001 pending, 1300 queue empty, 1301 message dequeued. */
export function isSuccess(code: number): boolean {
  return code >= 1000 && code < 2000;
}

/** 2500 command failed and closing, 2501 authentication error and closing, 2502 session limit. */
export function closesSession(code: number): boolean {
  return code >= 2500 && code <= 2502;
}

// A status name ending in "Prohibited" (clientTransferProhibited, serverTransferProhibited,
// serverUpdateProhibited...) is the registry telling us the refusal is a lock, not policy.
const PROHIBITED_STATUS = /\b(?:client|server)\w*Prohibited\b/i;

export function mentionsProhibitedStatus(texts: readonly string[]): boolean {
  return texts.some((t) => PROHIBITED_STATUS.test(t));
}

/**
 * Maps an EPP result code to the module's error vocabulary.
 *
 * 2301 ("object not pending transfer") only answers transfer commands and means the transfer
 * asked about does not exist, so it is `not_found`.
 *
 * Codes outside the known set (2000–2005 syntax errors, 2305 association, 2306 parameter
 * policy...) become `not_eligible`: they are final answers the registry gave
 * about this request, retrying will not change them, and the server's words travel along in
 * `registrarMessage` for whoever has to read them.
 */
export function mapResultCode(code: number, texts: readonly string[]): RegistrarErrorCode {
  switch (code) {
    case 2201:
      // Authorization error: our registrar may not act on this object. The code may be right.
      return 'not_authorized';
    case 2202:
      return 'auth_code_invalid';
    case 2200:
      return 'authentication_failed';
    case 2106:
    case 2304:
    case 2308:
      return mentionsProhibitedStatus(texts) ? 'transfer_prohibited' : 'not_eligible';
    case 2300:
      return 'already_pending';
    case 2301:
    case 2303:
      return 'not_found';
    case 2501:
      return 'authentication_failed';
    case 2400:
    case 2500:
    case 2502:
      return 'transient';
    default:
      return 'not_eligible';
  }
}

export function responseError(response: EppResponse): RegistrarError {
  const texts = response.results.flatMap((r) => [r.msg, ...r.details]);
  return new RegistrarError(mapResultCode(response.code, texts), response.msg || `EPP result ${response.code}`, {
    rawCode: response.code,
  });
}

export function transientError(message: string, cause?: unknown): RegistrarError {
  return new RegistrarError('transient', message, { cause });
}
