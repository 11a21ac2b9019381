import type { Request } from 'express';
import type { Logger } from 'pino';
import type { HostContext, Principal } from '../host-context.ts';
import { AppError } from '../errors.ts';

/** The host's auth answered with something the module cannot trust. */
export class PrincipalShapeError extends AppError {
  constructor(readonly problem: string) {
    super(401, 'errors.principal_invalid');
    this.name = 'PrincipalShapeError';
  }
}

const nonEmpty = (value: unknown): value is string | number => (typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isFinite(value));

/**
 * The principal as the module uses it, or a description of what is wrong with it. Ids may be
 * numbers (they become strings); a missing name falls back to the id. The session id is never
 * defaulted: CSRF tokens are derived from it, so without it every user would share one.
 */
export function normalizePrincipal(raw: unknown): Principal | null | { problem: string } {
  if (raw === null || raw === undefined || raw === false) return null;
  if (typeof raw !== 'object') return { problem: `auth returned a ${typeof raw}, not a principal object or null` };
  const p = raw as Record<string, unknown>;
  if (p.kind !== 'client' && p.kind !== 'admin') return { problem: `principal.kind is ${JSON.stringify(p.kind)}; expected "client" or "admin"` };
  const idField = p.kind === 'client' ? 'clientId' : 'adminId';
  const what = p.kind === 'client' ? 'a client principal' : 'an admin principal';
  if (!nonEmpty(p[idField])) return { problem: `${what} has no ${idField}` };
  if (typeof p.sessionId !== 'string' || p.sessionId.length < 8) return { problem: `${what} has no sessionId (a secret per login session, at least 8 characters)` };
  const id = String(p[idField]);
  const name = typeof p.name === 'string' && p.name.trim() ? p.name : id;
  const locale = typeof p.locale === 'string' && p.locale ? p.locale : undefined;
  if (p.kind === 'client') return { kind: 'client', clientId: id, name, sessionId: p.sessionId, locale };
  const permissions = p.permissions;
  if (permissions !== '*' && !(Array.isArray(permissions) && permissions.every((x) => typeof x === 'string'))) {
    return { problem: 'an admin principal has no permissions (pass "*" for every permission, or an array of permission ids)' };
  }
  return { kind: 'admin', adminId: id, name, sessionId: p.sessionId, locale, permissions: permissions === '*' ? '*' : [...permissions] };
}

/**
 * Asks the host's auth once per request and remembers the answer, so every part of the module
 * (guards, pages, the error page) sees the same principal. Auth may be async.
 */
export class PrincipalResolver {
  private readonly resolved = new WeakMap<Request, Principal | null>();

  constructor(
    private readonly auth: HostContext['auth'],
    private readonly logger: Logger,
  ) {}

  /** Resolves and remembers; throws PrincipalShapeError (401) for a malformed principal and 503 when auth throws. */
  async resolve(req: Request): Promise<Principal | null> {
    if (this.resolved.has(req)) return this.resolved.get(req)!;
    let raw: unknown;
    try {
      raw = await this.auth(req);
    } catch (error) {
      this.logger.error({ err: error, path: req.originalUrl }, "the host's auth function threw; the request was refused");
      this.resolved.set(req, null);
      throw new AppError(503, 'errors.auth_unavailable', {}, { cause: error });
    }
    const principal = normalizePrincipal(raw);
    if (principal && 'problem' in principal) {
      this.logger.warn({ path: req.originalUrl, problem: principal.problem }, `refused: ${principal.problem}`);
      this.resolved.set(req, null);
      throw new PrincipalShapeError(principal.problem);
    }
    this.resolved.set(req, principal);
    return principal;
  }

  /** What `resolve` found for this request; null when it has not run (or nobody is logged in). */
  known(req: Request): Principal | null {
    return this.resolved.get(req) ?? null;
  }
}
