import type { Knex } from 'knex';
import type { Request } from 'express';
import type { Principal } from './host-context.ts';

/** Who did what to which domain. Never holds a secret: callers pass facts, not codes. */
export async function writeAudit(
  db: Knex,
  entry: { principal: Principal; action: string; domain?: string | null; detail?: string | null; req?: Request },
  at: Date,
): Promise<void> {
  await db('dt_audit_log').insert({
    actor_kind: entry.principal.kind,
    actor_id: entry.principal.kind === 'admin' ? entry.principal.adminId : entry.principal.clientId,
    domain: entry.domain ?? null,
    action: entry.action,
    detail: entry.detail?.slice(0, 2000) ?? null,
    ip: entry.req?.ip ?? null,
    created_at: at.getTime(),
  });
}
