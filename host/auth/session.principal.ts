import type { Request } from 'express';
import type { Principal } from '../../module/index.ts';

/** What the host keeps in the session about who is logged in. */
export interface SessionUser {
  userId: number;
  role: 'admin' | 'client';
  /** host_clients.id for clients. */
  clientId?: number;
  name: string;
  locale?: string;
}

export interface FlashMessage {
  kind: 'ok' | 'error' | 'info';
  key: string;
  params?: Record<string, string | number>;
}

declare module 'express-session' {
  interface SessionData {
    user?: SessionUser;
    flash?: FlashMessage;
  }
}

/** The `auth` port: the module asks this for every request it serves. */
export function principalOf(req: Request): Principal | null {
  const user = req.session?.user;
  if (!user) return null;
  const locale = user.locale ?? undefined;
  if (user.role === 'admin') {
    // The reference host has no staff roles: every admin may do everything.
    return { kind: 'admin', adminId: String(user.userId), name: user.name, sessionId: req.sessionID, locale, permissions: '*' };
  }
  if (user.clientId === undefined) return null;
  return { kind: 'client', clientId: String(user.clientId), name: user.name, sessionId: req.sessionID, locale };
}

export function homeOf(user: SessionUser | undefined): string {
  if (!user) return '/login';
  return user.role === 'admin' ? '/admin' : '/client';
}

/** Only same-site paths, so `?next=` cannot send someone to another origin. */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return undefined;
  if (next.startsWith('/login') || next.startsWith('/logout')) return undefined;
  return next;
}
