import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Request } from 'express';
import type { Clock, Principal } from '../host-context.ts';
import type { ModuleConfig } from '../config.ts';
import type { DomainQueries, DomainRow } from '../domains/domain.queries.ts';
import { recordPendingTransferOut } from './pending-transfer-out.ts';
import type { AuthCodeLifecycle } from './auth-code-lifecycle.ts';
import { AppError, ConflictError, NotFoundError } from '../errors.ts';
import { writeAudit } from '../audit.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import { isRegistrarError, type DomainInfo, type PendingTransferOut, type RegistrarAdapter } from '../../registrar-adapters/types.ts';
import { DatabaseRateLimiter, type RateLimitRule } from './rate-limit.store.ts';
import { isEmailAddress, maskEmail, transferOutEligibility, type TransferOutEligibility } from './transfer-out.rules.ts';

/** Who acts, and the request for the audit trail's IP. */
export interface ActionContext {
  principal: Principal;
  req?: Request;
}

export type PendingAction = 'cancel' | 'approve' | 'reject';

/** What a domain page (or an API) shows about leaving us. Holds no secret. */
export interface TransferOutOverview {
  domain: string;
  registrarId: string;
  registrarLabel: string;
  /** `active`: it may leave; `transferred_away`: it has; `not_ours_yet`: a transfer-in is still open. */
  phase: 'active' | 'transferred_away' | 'not_ours_yet';
  transferredAwayAt: number | null;
  /** `elsewhere`: the registry says another registrar sponsors it now (the sync will record it). */
  registry: 'ok' | 'unknown' | 'unreachable' | 'elsewhere';
  registryMessage: string | null;
  sponsor: string | null;
  lock: 'locked' | 'unlocked' | 'unknown';
  lockMessage: string | null;
  eligibility: TransferOutEligibility;
  pending: PendingTransferOut | null;
  /** Offered by this domain's registrar (a missing adapter method means no button). */
  capabilities: Record<PendingAction, boolean>;
  /** Masked: where the registrar sends codes and confirmations. */
  registrantEmail: string | null;
  canChangeLock: boolean;
  canRequestCode: boolean;
  eppCodeRequestsPerHour: number;
}

/** Shown once to the person who asked, never stored, never logged. */
export type EppCodeDelivery = { kind: 'code'; code: string } | { kind: 'emailed'; to: string; isAddress: boolean };

export interface LockChange {
  /** `requested`: the registrar has not confirmed it yet (e.g. staff do it by hand). */
  state: 'locked' | 'unlocked' | 'requested';
}

const HOUR_MS = 60 * 60 * 1000;
const METHODS: Record<PendingAction, 'cancelTransferOut' | 'approveTransferOut' | 'rejectTransferOut'> = {
  cancel: 'cancelTransferOut',
  approve: 'approveTransferOut',
  reject: 'rejectTransferOut',
};

/**
 * Transfer-out for clients and admins: lock, "Get EPP Code", and a pending outgoing
 * transfer. Authorization is the domain queries' (another client's domain is a 404); routes
 * stay thin so a JSON API can call the same methods.
 */
export class TransferOutService {
  private readonly limiter: DatabaseRateLimiter;

  constructor(
    private readonly deps: {
      knex: Knex;
      clock: Clock;
      logger: Logger;
      config: ModuleConfig;
      registrars: RegistrarRegistry;
      domains: DomainQueries;
      codes: AuthCodeLifecycle;
    },
  ) {
    this.limiter = new DatabaseRateLimiter(deps.knex, deps.clock);
  }

  /** Never fails for registrar trouble: what cannot be read is shown as unknown. */
  async overview(principal: Principal, name: string): Promise<TransferOutOverview> {
    const { row, adapter } = await this.load(principal, name);
    const base: TransferOutOverview = {
      domain: row.domain,
      registrarId: row.registrar_id,
      registrarLabel: adapter?.label ?? row.registrar_id,
      phase: row.status === 'active' ? 'active' : row.status === 'transferred_away' ? 'transferred_away' : 'not_ours_yet',
      transferredAwayAt: row.status === 'transferred_away' ? Number(row.status_changed_at) : null,
      registry: 'unknown',
      registryMessage: null,
      sponsor: null,
      lock: 'unknown',
      lockMessage: null,
      eligibility: transferOutEligibility(null, this.deps.config.eligibility, this.deps.clock.now()),
      pending: null,
      capabilities: { cancel: false, approve: false, reject: false },
      registrantEmail: null,
      canChangeLock: false,
      canRequestCode: false,
      eppCodeRequestsPerHour: this.deps.config.transferOut.eppCodeRequestsPerHour,
    };
    // Nothing to ask the registrar about a domain that has left or has not arrived.
    if (base.phase !== 'active' || !adapter) return base;

    const [facts, lock] = await Promise.all([this.facts(adapter, row.domain), this.lockState(adapter, row.domain)]);
    const info = facts.info?.sponsoredByUs ? facts.info : null;
    const view: TransferOutOverview = {
      ...base,
      ...lock,
      registry: facts.registry,
      registryMessage: facts.message,
      sponsor: facts.info && !facts.info.sponsoredByUs ? facts.info.registrar : null,
      eligibility: transferOutEligibility(info, this.deps.config.eligibility, this.deps.clock.now()),
      pending: info?.pendingTransferOut ?? null,
      registrantEmail: info?.registrantEmail ? maskEmail(info.registrantEmail) : null,
    };
    // Lists show "transfer-out pending" from the row; keep it as the registry says.
    if (info) await recordPendingTransferOut(this.deps.knex, row.id, row, view.pending);
    const stillOurs = view.registry !== 'elsewhere';
    view.capabilities = {
      cancel: Boolean(view.pending && adapter.cancelTransferOut),
      approve: Boolean(view.pending && adapter.approveTransferOut),
      reject: Boolean(view.pending && adapter.rejectTransferOut),
    };
    view.canChangeLock = stillOurs && view.registry !== 'unreachable';
    view.canRequestCode = stillOurs && view.registry !== 'unreachable' && view.eligibility.eligible !== false;
    return view;
  }

  /** Adds or removes clientTransferProhibited (only that) at the registrar. */
  async setLock(ctx: ActionContext, name: string, locked: boolean): Promise<LockChange> {
    const { row, adapter } = await this.requireActive(ctx.principal, name);
    await this.call(() => adapter.setLock(row.domain, locked));
    await this.audit(ctx, locked ? 'transfer_out.lock' : 'transfer_out.unlock', row.domain);
    let confirmed: boolean | undefined;
    try {
      confirmed = await adapter.getLock(row.domain);
    } catch {
      confirmed = undefined;
    }
    this.deps.logger.info({ domain: row.domain, locked, confirmed: confirmed === locked, actor: actorOf(ctx.principal) }, 'transfer lock changed');
    return { state: confirmed === locked ? (locked ? 'locked' : 'unlocked') : 'requested' };
  }

  /**
   * Fetches a fresh code from the registrar for the person asking. The code is returned and
   * nothing else keeps it: the audit row says who, when and which domain; the log likewise.
   */
  /**
   * `gate`, when given, runs once the domain's rules are met and before the hourly allowance
   * is spent and the registrar asked: the page's one-time form token is checked there.
   */
  async requestEppCode(ctx: ActionContext, name: string, gate?: () => Promise<void>): Promise<EppCodeDelivery> {
    const { row, adapter } = await this.requireActive(ctx.principal, name);
    const facts = await this.facts(adapter, row.domain);
    if (facts.registry === 'unreachable') throw new AppError(424, 'transfer_out:errors.registry_unreachable');
    if (facts.registry === 'elsewhere') throw new ConflictError('transfer_out:errors.not_ours', { domain: row.domain, sponsor: facts.info?.registrar ?? '?' });
    const eligibility = transferOutEligibility(facts.info, this.deps.config.eligibility, this.deps.clock.now());
    const first = eligibility.unmet[0];
    if (first) throw new ConflictError(`rules:${first.rule}`, first.params);

    await gate?.();
    await this.limiter.consume(this.eppCodeLimits(ctx.principal, row.domain), 'transfer_out:errors.rate_limited');
    const result = await this.call(() => adapter.getEppCode(row.domain));
    if (result.kind === 'code' && !result.code.trim()) {
      // A blank code would send the client off with nothing usable; say so instead.
      throw new AppError(502, 'transfer_out:errors.empty_code');
    }
    // RFC 9154: recorded (never the code) and unset when its time is up or the transfer-out ends.
    await this.deps.codes.recordIssued({ domain: row.domain, registrarId: row.registrar_id, actor: actorOf(ctx.principal), clientId: row.client_id, byClient: ctx.principal.kind === 'client', ip: ctx.req?.ip });
    await this.audit(ctx, 'transfer_out.epp_code', row.domain, result.kind === 'code' ? 'shown' : 'emailed');
    this.deps.logger.info({ domain: row.domain, delivery: result.kind, actor: actorOf(ctx.principal) }, 'EPP code handed out for transfer-out');
    return result.kind === 'code' ? { kind: 'code', code: result.code } : { kind: 'emailed', to: maskEmail(result.to), isAddress: isEmailAddress(result.to) };
  }

  /** Cancel (Alibaba's "Cancel Transfer-Out"), approve or reject a pending outgoing transfer. */
  async resolvePending(ctx: ActionContext, name: string, action: PendingAction, reason?: string): Promise<void> {
    const { row, adapter } = await this.requireActive(ctx.principal, name);
    if (typeof adapter[METHODS[action]] !== 'function') throw new ConflictError('transfer_out:errors.unsupported_action', { registrar: adapter.label });
    const why = (reason ?? '').trim().slice(0, 500) || (ctx.principal.kind === 'client' ? 'Rejected by the registrant.' : 'Rejected by the sponsoring registrar.');
    const run: Record<PendingAction, () => Promise<void>> = {
      cancel: () => adapter.cancelTransferOut!(row.domain),
      approve: () => adapter.approveTransferOut!(row.domain),
      reject: () => adapter.rejectTransferOut!(row.domain, why),
    };
    await this.call(run[action], 'transfer_out:errors.no_pending');
    if (action !== 'approve') {
      await recordPendingTransferOut(this.deps.knex, row.id, row, null);
      await this.deps.codes.transferOutEnded(row.domain, row.registrar_id);
    }
    await this.audit(ctx, `transfer_out.${action}`, row.domain, action === 'reject' ? why : null);
    this.deps.logger.info({ domain: row.domain, action, actor: actorOf(ctx.principal) }, 'pending transfer-out resolved');
  }

  /** The transfer-out entries of the audit trail for one domain (admin pages). */
  async activity(principal: Principal, name: string, limit = 20): Promise<Array<Record<string, unknown>>> {
    const { row } = await this.load(principal, name);
    return this.deps.knex('dt_audit_log')
      .where({ domain: row.domain })
      .where('action', 'like', 'transfer_out.%')
      .orderBy('id', 'desc')
      .limit(limit)
      .select('actor_kind', 'actor_id', 'action', 'detail', 'created_at');
  }

  private eppCodeLimits(principal: Principal, domain: string): RateLimitRule[] {
    const limit = this.deps.config.transferOut.eppCodeRequestsPerHour;
    return [
      { bucket: bucketKey(`epp-code:domain:${domain}`), limit, windowMs: HOUR_MS },
      { bucket: bucketKey(`epp-code:${actorOf(principal)}`), limit, windowMs: HOUR_MS },
    ];
  }

  private async load(principal: Principal, name: string): Promise<{ row: DomainRow; adapter: RegistrarAdapter | undefined }> {
    const view = await this.deps.domains.viewFor(principal, name);
    // A transfer-in order without a domain row yet: nothing of transfer-out applies.
    if (!view.domain) throw new NotFoundError();
    return { row: view.domain, adapter: this.deps.registrars.get(view.domain.registrar_id) };
  }

  private async requireActive(principal: Principal, name: string): Promise<{ row: DomainRow; adapter: RegistrarAdapter }> {
    const { row, adapter } = await this.load(principal, name);
    if (row.status === 'transferred_away') throw new ConflictError('transfer_out:errors.transferred_away', { domain: row.domain });
    if (row.status !== 'active') throw new ConflictError('transfer_out:errors.not_active', { domain: row.domain });
    if (!adapter) throw new ConflictError('transfer_out:errors.registrar_missing', { registrar: row.registrar_id });
    return { row, adapter };
  }

  private async facts(adapter: RegistrarAdapter, domain: string): Promise<{ info: DomainInfo | null; registry: TransferOutOverview['registry']; message: string | null }> {
    try {
      const info = await adapter.getDomainInfo(domain);
      return { info, registry: info.sponsoredByUs ? 'ok' : 'elsewhere', message: null };
    } catch (error) {
      if (!isRegistrarError(error)) throw error;
      if (error.code === 'transient' || error.code === 'rate_limited') return { info: null, registry: 'unreachable', message: error.registrarMessage };
      if (error.code === 'not_found') return { info: null, registry: 'elsewhere', message: error.registrarMessage };
      return { info: null, registry: 'unknown', message: error.registrarMessage };
    }
  }

  private async lockState(adapter: RegistrarAdapter, domain: string): Promise<Pick<TransferOutOverview, 'lock' | 'lockMessage'>> {
    try {
      return { lock: (await adapter.getLock(domain)) ? 'locked' : 'unlocked', lockMessage: null };
    } catch (error) {
      if (!isRegistrarError(error)) throw error;
      return { lock: 'unknown', lockMessage: error.registrarMessage };
    }
  }

  /** Registrar failures become messages the person can act on, keeping the registrar's words. */
  private async call<T>(run: () => Promise<T>, notFoundKey = 'transfer_out:errors.registry_refused'): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isRegistrarError(error)) throw error;
      this.deps.logger.warn({ code: error.code, error: error.registrarMessage }, 'registrar refused a transfer-out operation');
      if (error.code === 'transient' || error.code === 'rate_limited') throw new AppError(424, 'transfer_out:errors.registry_unreachable', {}, { cause: error });
      if (error.code === 'not_found') throw new ConflictError(notFoundKey, { message: error.registrarMessage });
      throw new ConflictError('transfer_out:errors.registry_refused', { message: error.registrarMessage });
    }
  }

  private audit(ctx: ActionContext, action: string, domain: string, detail: string | null = null): Promise<void> {
    return writeAudit(this.deps.knex, { principal: ctx.principal, action, domain, detail, req: ctx.req }, this.deps.clock.now());
  }
}

function actorOf(principal: Principal): string {
  return principal.kind === 'client' ? `client:${principal.clientId}` : `admin:${principal.adminId}`;
}

/** Bucket names fit the indexed column; a very long domain name is hashed instead. */
function bucketKey(raw: string): string {
  return raw.length <= 191 ? raw : `sha256:${crypto.createHash('sha256').update(raw).digest('hex')}`;
}
