import type { Knex } from 'knex';
import { RegistrarError } from '../types.ts';
import { demoDomainInputs, SANDBOX_DEMO_AUTH_CODE, SANDBOX_DEMO_DOMAINS, SANDBOX_OTHER_REGISTRAR, SANDBOX_THIRD_REGISTRAR, type SandboxDomainInput } from './sandbox.demo-data.ts';
import { toDomain, toInsertRow, toTransfer, transferIdFromReference, type SandboxDomain, type SandboxTransfer } from './sandbox.model.ts';
import { resolveSandboxOptions, type SandboxOptions } from './sandbox.options.ts';
import { ackMessage, FAULTS, MESSAGES, readMessages, takeFault, type SandboxFaultKind, type SandboxFaultListing, type SandboxFaultSpec, type SandboxMessage } from './sandbox.queue.ts';
import { checkFault } from './sandbox.fault-spec.ts';
import { DAY_MS, formatStatuses, hashAuthCode, newAuthCode, normalizeRow, parseStatuses, type DomainRow, type TransferRow } from './sandbox.rules.ts';
import { decideTransferRequests, DOMAINS, insertPending, lockDomain, settleTransfer, TRANSFERS, transferById, type TransferOutcome, type TransferRequestItem } from './sandbox.transfers.ts';
import { Batcher } from '../../module/jobs/batcher.ts';
import { WRITE_BATCHES_IN_FLIGHT } from '../../module/database.ts';
import type { SandboxControls } from './sandbox.controls.ts';
import { SandboxReads } from './sandbox.reads.ts';

export type { SandboxDomain, SandboxTransfer } from './sandbox.model.ts';

/**
 * The simulated registry: every registrar's domains, pending transfers and poll messages.
 * Pending transfers past their action date are applied whenever something reads the domain,
 * so an injected clock drives auto-approval without timers. Admin/demo operations live here;
 * the adapter (`SandboxAdapter`) exposes only what a registrar API would.
 */
export class SandboxRegistry implements SandboxControls {
  readonly options: SandboxOptions;
  // Requests arriving together are decided in one transaction, like a registry under load.
  private readonly transferRequests: Batcher<TransferRequestItem, SandboxTransfer>;
  private readonly reads: SandboxReads;

  constructor(
    readonly knex: Knex,
    readonly clock: { now(): Date },
    /** The registrar the sandbox treats as "us". */
    readonly registrarId: string,
    options: Partial<SandboxOptions> = {},
  ) {
    this.options = resolveSandboxOptions(options);
    this.reads = new SandboxReads(knex);
    this.transferRequests = new Batcher<TransferRequestItem, SandboxTransfer>(
      async (items) => {
        const now = this.clock.now().getTime();
        const decided = await this.knex.transaction((trx) => decideTransferRequests(trx, items, now, this.options.autoApproveDays));
        return decided.map((d): SandboxTransfer | Error => (d instanceof RegistrarError ? d : toTransfer(d)));
      },
      { maxInFlight: WRITE_BATCHES_IN_FLIGHT, maxBatch: 200 },
    );
  }

  /** Adds every demo domain that is missing; running it again adds nothing. Returns the names added. */
  async seedDemoDomains(): Promise<string[]> {
    const now = this.clock.now();
    return this.knex.transaction(async (trx) => {
      const inputs = demoDomainInputs(now, this.registrarId);
      const existing = new Set(
        (await trx(DOMAINS).whereIn('name', inputs.map((i) => i.name)).select('name')).map((r: { name: string }) => r.name),
      );
      const missing = inputs.filter((i) => !existing.has(i.name));
      if (!missing.length) return [];
      await trx(DOMAINS).insert(missing.map((i) => toInsertRow(i, now.getTime()))).onConflict('name').ignore();
      const pending = missing.find((i) => i.demo.case === 'pending_transfer');
      if (pending) {
        const row = normalizeRow<DomainRow>(await trx(DOMAINS).where({ name: pending.name }).first())!;
        await insertPending(trx, row, SANDBOX_THIRD_REGISTRAR, now.getTime() - DAY_MS, 1, this.options.autoApproveDays);
      }
      return missing.map((i) => i.name);
    });
  }

  /** Deletes the demo domains (with their transfers and messages) and seeds them afresh. */
  async resetDemoDomains(): Promise<string[]> {
    const names = SANDBOX_DEMO_DOMAINS.map((d) => d.name);
    await this.knex.transaction(async (trx) => {
      await trx(TRANSFERS).whereIn('domain', names).del();
      await trx(MESSAGES).whereIn('domain', names).del();
      await trx(DOMAINS).whereIn('name', names).del();
    });
    return this.seedDemoDomains();
  }

  async addDomain(input: SandboxDomainInput): Promise<SandboxDomain> {
    await this.knex(DOMAINS).insert(toInsertRow(input, this.clock.now().getTime()));
    return (await this.getDomain(input.name))!;
  }

  /** Bulk insert for benchmarks: one transaction, `batchSize` rows per statement. */
  async addDomains(inputs: SandboxDomainInput[], options: { batchSize?: number } = {}): Promise<number> {
    const now = this.clock.now().getTime();
    const hashes = new Map<string, string>();
    const rows = inputs.map((input) => {
      const code = input.authCode === undefined ? SANDBOX_DEMO_AUTH_CODE : input.authCode;
      if (code !== null && !hashes.has(code)) hashes.set(code, hashAuthCode(code));
      return toInsertRow({ ...input, authCode: null }, now, code === null ? null : hashes.get(code)!);
    });
    // 11 columns per row: 500 rows stay well under SQLite's bound-parameter limit.
    await this.knex.batchInsert(DOMAINS, rows, options.batchSize ?? 500);
    return rows.length;
  }

  async getDomain(name: string): Promise<SandboxDomain | null> {
    const row = await this.loadSettled(name.toLowerCase());
    if (!row) return null;
    const pending = row.pending_transfer_id ? await transferById(this.knex, row.pending_transfer_id) : null;
    return toDomain(row, pending, this.registrarId);
  }

  /** Domains by name, for the admin page. Settles every due transfer first. */
  async listDomains(options: { sponsor?: string; limit?: number; offset?: number } = {}): Promise<SandboxDomain[]> {
    await this.settleDue();
    const query = this.knex(DOMAINS).orderBy('name').limit(options.limit ?? 500).offset(options.offset ?? 0);
    if (options.sponsor) query.where({ sponsor: options.sponsor });
    const rows = (await query).map((r: DomainRow) => normalizeRow(r)!);
    const pendingIds = rows.map((r) => r.pending_transfer_id).filter((id): id is number => id !== null);
    const pending = new Map<number, TransferRow>();
    for (let i = 0; i < pendingIds.length; i += 500) {
      for (const t of await this.knex(TRANSFERS).whereIn('id', pendingIds.slice(i, i + 500))) pending.set(Number(t.id), normalizeRow<TransferRow>(t)!);
    }
    return rows.map((r) => toDomain(r, r.pending_transfer_id ? (pending.get(r.pending_transfer_id) ?? null) : null, this.registrarId));
  }

  /**
   * Another registrar (or we) asks for `name`. `authCode` undefined skips the code check, for
   * admin simulations. Atomic: of two concurrent requests exactly one becomes pending.
   */
  async requestTransfer(name: string, gaining: string, options: { authCode?: string; periodYears?: number } = {}): Promise<SandboxTransfer> {
    return this.transferRequests.submit({ domain: name.toLowerCase(), gaining, authCode: options.authCode, periodYears: options.periodYears ?? 1 });
  }

  /** Another registrar asks for one of our domains; approve/reject/cancel act on it. */
  async requestTransferOut(name: string, gainingRegistrar: string, options: { authCode?: string } = {}): Promise<SandboxTransfer> {
    await this.requireOurs(name);
    return this.requestTransfer(name, gainingRegistrar, options);
  }

  /** The admin "approve" button: completes the domain's pending transfer now. */
  async approvePendingTransfer(name: string): Promise<SandboxTransfer> {
    return this.resolvePending(name, 'completed', null);
  }

  async rejectPendingTransfer(name: string, reason: string): Promise<SandboxTransfer> {
    return this.resolvePending(name, 'rejected', reason);
  }

  async cancelPendingTransfer(name: string, reason: string): Promise<SandboxTransfer> {
    return this.resolvePending(name, 'cancelled', reason);
  }

  /** "Another registrar took this domain": the sponsor changes at once, bypassing any window. */
  async simulateTransferAway(name: string, gainingRegistrar: string = SANDBOX_OTHER_REGISTRAR): Promise<SandboxTransfer> {
    const domain = name.toLowerCase();
    await this.loadSettled(domain);
    const now = this.clock.now().getTime();
    const id = await this.knex.transaction(async (trx) => {
      const row = await lockDomain(trx, domain);
      if (!row) throw new RegistrarError('not_found', `${domain} is not registered at this registry.`, { rawCode: 2303 });
      if (row.sponsor === gainingRegistrar) throw new RegistrarError('not_eligible', `${domain} is already sponsored by ${gainingRegistrar}.`);
      if (row.pending_transfer_id) await settleTransfer(trx, row.pending_transfer_id, 'cancelled', now, 'Superseded by a completed transfer.');
      const transfer = await insertPending(trx, (await lockDomain(trx, domain))!, gainingRegistrar, now, 1, 0);
      await settleTransfer(trx, transfer.id, 'completed', now, null);
      return transfer.id;
    });
    return toTransfer((await transferById(this.knex, id))!);
  }

  /** The latest transfer of `name` to `gaining`, or the one a reference names. */
  async findTransfer(name: string, gaining: string, reference?: string): Promise<SandboxTransfer | null> {
    const domain = name.toLowerCase();
    const read = () => this.reads.transfer({ domain, gaining, id: transferIdFromReference(reference) });
    const row = await read();
    // The transfer row knows whether it is due: only then settle it and read again (one query otherwise).
    if (row?.status === 'pending' && row.action_date <= this.clock.now().getTime()) {
      await this.loadSettled(domain);
      const settled = await read();
      return settled ? toTransfer(settled) : null;
    }
    return row ? toTransfer(row) : null;
  }

  /** Sets a fresh auth code on one of our domains and returns it (RFC 9154: set, never read back). */
  async setAuthCode(name: string): Promise<{ code: string; domain: SandboxDomain }> {
    const domain = await this.requireOurs(name);
    const code = newAuthCode();
    await this.knex(DOMAINS).where({ name: domain.name }).update({ auth_code_hash: hashAuthCode(code), updated_at: this.clock.now().getTime() });
    return { code, domain };
  }

  /** Unsets the auth code of one of our domains (RFC 9154): no code opens a transfer until a new one is set. */
  async clearAuthCode(name: string): Promise<void> {
    const domain = await this.requireOurs(name);
    await this.knex(DOMAINS).where({ name: domain.name }).update({ auth_code_hash: null, updated_at: this.clock.now().getTime() });
  }

  /** Adds or removes clientTransferProhibited on one of our domains; other statuses stay. */
  async setClientLock(name: string, locked: boolean): Promise<void> {
    const domain = await this.requireOurs(name);
    await this.knex.transaction(async (trx) => {
      const row = (await lockDomain(trx, domain.name))!;
      const statuses = new Set(parseStatuses(row.statuses));
      if (locked) statuses.add('clientTransferProhibited');
      else statuses.delete('clientTransferProhibited');
      await trx(DOMAINS).where({ id: row.id }).update({ statuses: formatStatuses(statuses), updated_at: this.clock.now().getTime() });
    });
  }

  /** Applies every pending transfer whose action date has passed. Returns how many. */
  async settleDue(): Promise<number> {
    const now = this.clock.now().getTime();
    const due = await this.knex(TRANSFERS).where({ status: 'pending' }).where('action_date', '<=', now).select('id', 'action_date');
    let applied = 0;
    for (const t of due) {
      if (await this.knex.transaction((trx) => settleTransfer(trx, Number(t.id), 'completed', Number(t.action_date), null))) applied++;
    }
    return applied;
  }

  async readMessages(limit = 100): Promise<SandboxMessage[]> {
    await this.settleDue();
    return readMessages(this.knex, this.registrarId, limit);
  }

  async ackMessage(id: number): Promise<void> {
    await ackMessage(this.knex, id, this.clock.now().getTime());
  }

  /** The next `times` calls of `operation` (an adapter method name, or `*`) fail with `errorCode`. */
  async injectFault(operation: string, errorCode: string, times = 1): Promise<void> {
    await this.addFault({ operation, kind: 'error', errorCode, times });
  }

  /** Any fault: an error, a delay, a hang or a dropped answer, by operation and domain, by count or rate. */
  async addFault(spec: SandboxFaultSpec): Promise<void> {
    const row = checkFault(spec);
    await this.knex(FAULTS).insert({ registrar_id: this.registrarId, ...row, created_at: this.clock.now().getTime() });
    this.faultGeneration++;
    this.noFaultsUntil = 0;
  }

  /** The faults still set, oldest first. */
  async listFaults(): Promise<SandboxFaultListing[]> {
    const rows = await this.knex(FAULTS).where({ registrar_id: this.registrarId }).where('remaining', '>', 0).orderBy('id');
    return rows.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      operation: String(r.operation),
      kind: r.kind as SandboxFaultKind,
      errorCode: r.kind === 'error' ? String(r.error_code) : null,
      delayMs: r.delay_ms === null ? null : Number(r.delay_ms),
      domainPattern: String(r.domain_pattern),
      times: Number(r.remaining),
      rate: r.rate === null ? null : Number(r.rate),
    }));
  }

  async clearFaults(): Promise<void> {
    await this.knex(FAULTS).where({ registrar_id: this.registrarId }).del();
  }

  /**
   * Faults are rare, so an empty fault table is remembered for a second instead of being asked
   * on every call (a fault injected from another process takes effect within that second).
   * Calls arriving while that question is out wait for its answer rather than asking again.
   */
  async takeFault(operation: string, domain?: string) {
    if (Date.now() < this.noFaultsUntil) return null;
    if (!(await this.anyFaultSet())) return null;
    return takeFault(this.knex, this.registrarId, operation, domain);
  }

  private anyFaultSet(): Promise<boolean> {
    const generation = this.faultGeneration;
    this.faultCheck ??= this.knex(FAULTS)
      .where({ registrar_id: this.registrarId })
      .where('remaining', '>', 0)
      .first('id')
      .then((row: unknown) => {
        // An injection during the question makes its "none" stale.
        if (!row && generation === this.faultGeneration) this.noFaultsUntil = Date.now() + 1000;
        return Boolean(row) || generation !== this.faultGeneration;
      })
      .finally(() => (this.faultCheck = undefined));
    return this.faultCheck;
  }
  private noFaultsUntil = 0;
  private faultGeneration = 0;
  private faultCheck: Promise<boolean> | undefined;

  /** One of our domains, or a RegistrarError a registrar API would give for someone else's. */
  async requireOurs(name: string): Promise<SandboxDomain> {
    const domain = await this.getDomain(name);
    if (!domain) throw new RegistrarError('not_found', `${name.toLowerCase()} is not registered at this registry.`, { rawCode: 2303 });
    if (!domain.sponsoredByUs) {
      throw new RegistrarError('not_found', `${domain.name} is not in your account: it is sponsored by ${domain.sponsor}.`, { rawCode: 2201 });
    }
    return domain;
  }

  private async resolvePending(name: string, outcome: TransferOutcome, reason: string | null): Promise<SandboxTransfer> {
    const domain = name.toLowerCase();
    const row = await this.loadSettled(domain);
    if (!row) throw new RegistrarError('not_found', `${domain} is not registered at this registry.`, { rawCode: 2303 });
    const id = row.pending_transfer_id;
    const now = this.clock.now().getTime();
    if (!id || !(await this.knex.transaction((trx) => settleTransfer(trx, id, outcome, now, reason)))) {
      throw new RegistrarError('not_found', `No transfer of ${domain} is pending.`, { rawCode: 2301 });
    }
    return toTransfer((await transferById(this.knex, id))!);
  }

  /** Reads a domain row, applying its pending transfer first if the action date has passed. */
  private async loadSettled(name: string): Promise<DomainRow | undefined> {
    const row = await this.reads.domain(name);
    if (!row?.pending_transfer_id) return row;
    const pending = await transferById(this.knex, row.pending_transfer_id);
    if (!pending || pending.status !== 'pending' || pending.action_date > this.clock.now().getTime()) return row;
    await this.knex.transaction((trx) => settleTransfer(trx, pending.id, 'completed', pending.action_date, null));
    return normalizeRow<DomainRow>(await this.knex(DOMAINS).where({ name }).first());
  }
}
