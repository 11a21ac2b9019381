import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../host-context.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-types.ts';
import type { ModuleNotifications } from '../notifications.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import { isRegistrarError, isRetryable } from '../../registrar-adapters/types.ts';
import { withRegistrarTimeout } from '../registrar-timeout.ts';

export const CLEAR_EPP_CODE_JOB = 'ClearEppCodeJob';
const HOUR_MS = 60 * 60 * 1000;
const utcMinute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Why a code is unset: its time ran out; a transfer-out ended without the domain leaving
 * (rejected or cancelled); our transfer-in completed (the code that moved the domain must not
 * move it again). Two more are recorded without a call: the domain left (the registry unsets
 * it, and we may no longer act on it) and a newer code replaced it.
 */
export type ClearReason = 'expired' | 'transfer_out_ended' | 'transfer_in_completed';

interface AuthCodeRow {
  id: number;
  domain: string;
  registrar_id: string;
  direction: 'in' | 'out';
  expires_at: number;
  cleared_at: number | null;
}

/**
 * RFC 9154's lifecycle for the codes at the registry: a record (never the code) of each code we
 * set, and a durable job that unsets it (`<domain:null/>`) when it is no longer needed. Jobs
 * live in dt_jobs, so an expiry due while the process was down runs when it is back.
 */
export class AuthCodeLifecycle {
  constructor(
    private readonly deps: {
      knex: Knex;
      clock: Clock;
      logger: Logger;
      queue: JobQueue;
      registrars: RegistrarRegistry;
      ttlHours: number;
      registrarCallTimeoutMs: number;
      notifications: ModuleNotifications;
      /** policy.codeIssuedNotice: the registrant is told of every code issued. */
      codeIssuedNotice: boolean;
    },
  ) {}

  /**
   * A code was just set for a transfer-out: recorded, earlier ones marked replaced, its expiry
   * scheduled and, under the revised Transfer Policy, the registrant told (when, by whom, from
   * where, until when), all in one transaction.
   */
  async recordIssued(issue: { domain: string; registrarId: string; actor: string; clientId: string; byClient: boolean; ip?: string }): Promise<void> {
    const { domain, registrarId } = issue;
    const now = this.deps.clock.now().getTime();
    const expiresAt = now + this.deps.ttlHours * HOUR_MS;
    await this.deps.knex.transaction(async (trx) => {
      // Setting a code replaces the one before at the registry: nothing left to unset for it.
      await trx('dt_auth_codes').where({ domain }).whereNull('cleared_at').update({ cleared_at: now, clear_reason: 'replaced' });
      const [id] = await trx('dt_auth_codes').insert({ domain, registrar_id: registrarId, direction: 'out', set_by: issue.actor.slice(0, 128), set_at: now, expires_at: expiresAt });
      await this.schedule(trx, domain, registrarId, 'expired', new Date(expiresAt), Number(id));
      if (this.deps.codeIssuedNotice) {
        const params = { domain, at: utcMinute(now), until: utcMinute(expiresAt), ip: issue.ip || '?' };
        await this.deps.notifications.enqueue(trx, [{ to: { kind: 'client', clientId: issue.clientId }, template: issue.byClient ? 'transfer_out.code_issued_by_client' : 'transfer_out.code_issued_by_staff', params }]);
      }
    });
    this.deps.queue.wake();
  }

  /** A transfer-out ended without the domain leaving (rejected or cancelled): its open code is unset now. */
  async transferOutEnded(domain: string, registrarId: string): Promise<void> {
    await this.deps.knex.transaction(async (trx) => {
      const open = await trx('dt_auth_codes').where({ domain, direction: 'out' }).whereNull('cleared_at').first('id');
      if (open) await this.schedule(trx, domain, registrarId, 'transfer_out_ended', this.deps.clock.now(), Number(open.id));
    });
    this.deps.queue.wake();
  }

  /** Our transfer-in completed: the code it used is unset, as its new sponsor. */
  async transferInCompleted(trx: Knex.Transaction, domain: string, registrarId: string, actor: string): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const [id] = await trx('dt_auth_codes').insert({ domain, registrar_id: registrarId, direction: 'in', set_by: actor.slice(0, 128), set_at: now, expires_at: now });
    await this.schedule(trx, domain, registrarId, 'transfer_in_completed', new Date(now), Number(id));
  }

  /** The domain left us: the registry unsets its code, and we may no longer act on it. */
  async transferredAway(trx: Knex.Transaction, domain: string): Promise<void> {
    await trx('dt_auth_codes').where({ domain }).whereNull('cleared_at').update({ cleared_at: this.deps.clock.now().getTime(), clear_reason: 'transferred' });
  }

  /** The codes set for a domain, newest first (admin pages): when, by whom, until when, and how each ended. */
  history(domain: string, limit = 10): Promise<Array<Record<string, unknown>>> {
    return this.deps.knex('dt_auth_codes').where({ domain }).orderBy('id', 'desc').limit(limit).select('direction', 'set_by', 'set_at', 'expires_at', 'cleared_at', 'clear_reason', 'last_error');
  }

  private schedule(trx: Knex.Transaction, domain: string, registrarId: string, reason: ClearReason, runAt: Date, codeId: number): Promise<void> {
    return this.deps.queue.enqueueAll(trx, [{ type: CLEAR_EPP_CODE_JOB, key: `clear-code:${codeId}:${reason}`, payload: { codeId, domain, registrarId, reason }, runAt }]);
  }

  readonly job: JobHandler = {
    run: async (payload, context) => {
      const row = (await this.deps.knex('dt_auth_codes').where({ id: Number(payload.codeId) }).first()) as AuthCodeRow | undefined;
      // Replaced, unset already, or the domain has left: nothing to do at the registry.
      if (!row || row.cleared_at !== null) return;
      const adapter = this.deps.registrars.get(row.registrar_id);
      const reason = String(payload.reason) as ClearReason;
      if (!adapter?.clearEppCode) {
        await this.markCleared(row.id, 'unsupported', `registrar ${row.registrar_id} cannot unset codes`);
        this.deps.logger.warn({ domain: row.domain, registrar: row.registrar_id }, 'registrar cannot unset an EPP code; it stays valid at the registry until it is replaced');
        return;
      }
      try {
        await withRegistrarTimeout(adapter.clearEppCode(row.domain), this.deps.registrarCallTimeoutMs, 'clearEppCode', row.registrar_id);
      } catch (error) {
        if (!isRegistrarError(error) || (isRetryable(error) && !context.lastAttempt)) throw error;
        // A final answer (no longer ours, not found): recorded, not tried again.
        await this.noteError(row.id, `${error.code}: ${error.registrarMessage}`);
        this.deps.logger.warn({ domain: row.domain, code: error.code, reason }, 'EPP code could not be unset');
        return;
      }
      await this.markCleared(row.id, reason, null);
      this.deps.logger.info({ domain: row.domain, reason }, 'EPP code unset at the registry');
    },
  };

  private async markCleared(id: number, reason: string, error: string | null): Promise<void> {
    await this.deps.knex('dt_auth_codes').where({ id }).whereNull('cleared_at').update({ cleared_at: this.deps.clock.now().getTime(), clear_reason: reason, last_error: error });
  }

  /** The code stays set: why it could not be unset is kept for the admin page. */
  private async noteError(id: number, error: string): Promise<void> {
    await this.deps.knex('dt_auth_codes').where({ id }).whereNull('cleared_at').update({ last_error: error.slice(0, 2000) });
  }
}
