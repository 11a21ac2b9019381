import crypto from 'node:crypto';
import type { Request } from 'express';
import { ForbiddenError } from '../errors.ts';

/**
 * Synchronizer tokens derived from the session id with an HMAC, so the module needs no
 * storage of its own and works with whatever session the host keeps.
 */
export class CsrfTokens {
  constructor(private readonly key: Buffer) {}

  tokenFor(sessionId: string): string {
    return crypto.createHmac('sha256', this.key).update(`csrf:${sessionId}`).digest('base64url');
  }

  isValid(sessionId: string, token: unknown): boolean {
    if (typeof token !== 'string' || !token) return false;
    const expected = Buffer.from(this.tokenFor(sessionId));
    const given = Buffer.from(token);
    return expected.length === given.length && crypto.timingSafeEqual(expected, given);
  }

  /** Throws 403 unless the request carries the token for its session (form field or header). */
  assert(req: Request, sessionId: string): void {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = body._csrf ?? req.get('x-csrf-token');
    if (!this.isValid(sessionId, token)) throw new ForbiddenError('errors.csrf');
  }
}
