import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { engineOf } from '../../module/database.ts';
import type { AdapterFactoryContext } from '../types.ts';
import {
  ManualTaskError,
  OUTCOMES_BY_OPERATION,
  type ManualDomainFacts,
  type ManualDomainFactsInput,
  type ManualOperation,
  type ManualTask,
  type ManualTaskOutcome,
} from './manual.model.ts';

const TASKS = 'dt_manual_tasks';
const FACTS = 'dt_manual_domain_facts';
type Db = Knex | Knex.Transaction;
type Row = Record<string, any>;

const ms = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const date = (value: unknown) => (value === null || value === undefined ? null : new Date(Number(value)));
const bool = (value: unknown) => (value === null || value === undefined ? null : Boolean(Number(value)));
/** The sealed code is bound to its task, so a ciphertext copied onto another row does not open. */
const secretPurpose = (id: number, domain: string) => `manual-task:${id}:${domain}`;
const openKey = (adapterId: string, operation: ManualOperation, domain: string) =>
  crypto.createHash('sha256').update(`${adapterId}\n${operation}\n${domain}`).digest('hex');

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errno?: number };
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062;
}

export interface OpenTaskInput {
  adapterId: string;
  domain: string;
  operation: ManualOperation;
  instructions: string;
  details?: { contacts?: unknown; periodYears?: number };
  requestedLock?: boolean;
  /** Sealed with the task; never stored plain. */
  authCode?: string;
}

/**
 * Staff work queue of the manual registrar, shared by the adapter (which opens tasks) and the
 * admin routes (which list, reveal and complete them). Completing a task records what staff
 * confirmed as the domain's facts and deletes any EPP code the task held.
 */
export class ManualTaskService {
  constructor(
    private readonly knex: Knex,
    private readonly clock: { now(): Date },
    private readonly secrets: AdapterFactoryContext['secrets'],
  ) {}

  /** Opens a task, or returns the task already open for this domain and operation (`created` false). */
  async openTask(input: OpenTaskInput): Promise<{ task: ManualTask; created: boolean }> {
    const now = this.clock.now().getTime();
    const key = openKey(input.adapterId, input.operation, input.domain);
    try {
      const id = await this.knex.transaction(async (trx) => {
        const [inserted] = await trx(TASKS).insert({
          adapter_id: input.adapterId,
          domain: input.domain,
          operation: input.operation,
          status: 'open',
          open_key: key,
          instructions: input.instructions,
          details: input.details ? JSON.stringify(input.details) : null,
          requested_lock: input.requestedLock ?? null,
          created_at: now,
          updated_at: now,
        });
        const taskId = Number(inserted);
        if (input.authCode !== undefined) {
          await trx(TASKS).where({ id: taskId }).update({ auth_code_sealed: this.secrets.seal(input.authCode, secretPurpose(taskId, input.domain)) });
        }
        return taskId;
      });
      return { task: (await this.getTask(id))!, created: true };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const open = await this.knex(TASKS).where({ open_key: key }).first();
      if (!open) throw error;
      return { task: this.toTask(open), created: false };
    }
  }

  /** Re-points an open task (e.g. a lock task asked for the other state before staff acted). */
  async updateOpenTask(id: number, patch: { instructions: string; requestedLock?: boolean }): Promise<void> {
    await this.knex(TASKS)
      .where({ id, status: 'open' })
      .update({ instructions: patch.instructions, requested_lock: patch.requestedLock ?? null, updated_at: this.clock.now().getTime() });
  }

  async findOpenTask(adapterId: string, domain: string, operation: ManualOperation): Promise<ManualTask | null> {
    const row = await this.knex(TASKS).where({ open_key: openKey(adapterId, operation, domain) }).first();
    return row ? this.toTask(row) : null;
  }

  /** The newest task for a domain and operation, or the task `id` when it is one of them. */
  async latestTask(adapterId: string, domain: string, operation: ManualOperation, id?: number): Promise<ManualTask | null> {
    const query = this.knex(TASKS).where({ adapter_id: adapterId, domain, operation }).orderBy('id', 'desc');
    if (id !== undefined) query.where({ id });
    const row = await query.first();
    return row ? this.toTask(row) : null;
  }

  /** Tasks, open ones oldest first (a queue); otherwise newest first. Never includes codes. */
  async listTasks(filter: { status?: 'open' | 'done'; adapterId?: string; domain?: string; operation?: ManualOperation; limit?: number } = {}): Promise<ManualTask[]> {
    const query = this.knex(TASKS).limit(Math.min(filter.limit ?? 100, 1000));
    if (filter.status) query.where({ status: filter.status });
    if (filter.adapterId) query.where({ adapter_id: filter.adapterId });
    if (filter.domain) query.where({ domain: filter.domain });
    if (filter.operation) query.where({ operation: filter.operation });
    query.orderBy('id', filter.status === 'open' ? 'asc' : 'desc');
    return (await query).map((row: Row) => this.toTask(row));
  }

  /**
   * One task. `revealSecret` opens the sealed EPP code for staff about to type it at the
   * registrar; each reveal is recorded (who, when). After completion there is nothing to reveal.
   */
  async getTask(id: number, options: { revealSecret?: boolean; actor?: string } = {}): Promise<ManualTask | null> {
    const row = await this.knex(TASKS).where({ id }).first();
    if (!row) return null;
    const task = this.toTask(row);
    if (options.revealSecret && row.auth_code_sealed && row.status === 'open') {
      task.authCode = this.secrets.open(row.auth_code_sealed, secretPurpose(task.id, task.domain));
      const now = this.clock.now();
      await this.knex(TASKS).where({ id }).update({ secret_revealed_at: now.getTime(), secret_revealed_by: options.actor ?? 'staff' });
      task.secretRevealedAt = now;
      task.secretRevealedBy = options.actor ?? 'staff';
    }
    return task;
  }

  /** Finishes an open task with what happened at the registrar. Purges its code. */
  async completeTask(id: number, outcome: ManualTaskOutcome, actor: string): Promise<ManualTask> {
    const now = this.clock.now().getTime();
    await this.knex.transaction(async (trx) => {
      const query = trx(TASKS).where({ id });
      if (engineOf(trx) === 'mysql') query.forUpdate();
      const row = await query.first();
      if (!row) throw new ManualTaskError('not_found', `There is no manual task ${id}.`);
      if (row.status !== 'open') throw new ManualTaskError('already_completed', `Task ${id} was already completed by ${row.completed_by}.`);
      const operation = row.operation as ManualOperation;
      if (!OUTCOMES_BY_OPERATION[operation].includes(outcome.kind)) {
        throw new ManualTaskError('invalid_outcome', `A ${operation} task cannot end as "${outcome.kind}" (use ${OUTCOMES_BY_OPERATION[operation].join(' or ')}).`);
      }
      if (outcome.kind === 'completed' && !(outcome.expiryDate instanceof Date && !Number.isNaN(outcome.expiryDate.getTime()))) {
        throw new ManualTaskError('invalid_outcome', 'A completed transfer needs the new expiry date shown by the registrar.');
      }
      if (outcome.kind === 'rejected' && !outcome.reason?.trim()) {
        throw new ManualTaskError('invalid_outcome', "A rejection needs the registrar's reason.");
      }
      const finished = await trx(TASKS)
        .where({ id, status: 'open' })
        .update({
          status: 'done',
          open_key: null,
          outcome: outcome.kind,
          outcome_reason: outcome.kind === 'rejected' ? outcome.reason.trim() : null,
          outcome_expiry_at: outcome.kind === 'completed' ? outcome.expiryDate.getTime() : null,
          emailed_to: outcome.kind === 'done' ? (outcome.emailedTo ?? null) : null,
          auth_code_sealed: null,
          auth_code_purged_at: row.auth_code_sealed ? now : ms(row.auth_code_purged_at),
          completed_by: actor,
          completed_at: now,
          updated_at: now,
        });
      if (!finished) throw new ManualTaskError('already_completed', `Task ${id} was completed a moment ago.`);

      const facts: ManualDomainFactsInput = {};
      if (operation === 'transfer' && outcome.kind === 'completed') {
        Object.assign(facts, { sponsoredByUs: true, expiresAt: outcome.expiryDate, lastTransferredAt: new Date(now) });
      }
      if (operation === 'lock' && outcome.kind === 'done') {
        facts.locked = bool(row.requested_lock);
        const known = await this.getFacts(row.adapter_id, row.domain, trx);
        if (known?.statuses) {
          const statuses = new Set(known.statuses.filter((s) => s !== 'ok'));
          if (facts.locked) statuses.add('clientTransferProhibited');
          else statuses.delete('clientTransferProhibited');
          facts.statuses = statuses.size ? [...statuses].sort() : ['ok'];
        }
      }
      Object.assign(facts, outcome.facts ?? {});
      if (Object.keys(facts).length) await this.recordFacts(row.adapter_id, row.domain, facts, actor, trx);
    });
    return (await this.getTask(id))!;
  }

  /** Records what staff saw at the registrar; omitted keys keep their value. */
  async recordFacts(adapterId: string, domain: string, facts: ManualDomainFactsInput, actor: string, db: Db = this.knex): Promise<ManualDomainFacts> {
    const columns: Row = {
      sponsored_by_us: facts.sponsoredByUs,
      registrar: facts.registrar,
      statuses: facts.statuses === undefined ? undefined : facts.statuses === null ? null : facts.statuses.join(','),
      locked: facts.locked,
      registered_at: facts.createdAt === undefined ? undefined : (facts.createdAt?.getTime() ?? null),
      expires_at: facts.expiresAt === undefined ? undefined : (facts.expiresAt?.getTime() ?? null),
      last_transferred_at: facts.lastTransferredAt === undefined ? undefined : (facts.lastTransferredAt?.getTime() ?? null),
      last_renewed_at: facts.lastRenewedAt === undefined ? undefined : (facts.lastRenewedAt?.getTime() ?? null),
      registrant_email: facts.registrantEmail,
    };
    const given = Object.keys(columns).filter((key) => columns[key] !== undefined);
    const row: Row = { adapter_id: adapterId, domain, recorded_by: actor, recorded_at: this.clock.now().getTime() };
    for (const key of given) row[key] = columns[key];
    await db(FACTS).insert(row).onConflict(['adapter_id', 'domain']).merge([...given, 'recorded_by', 'recorded_at']);
    return (await this.getFacts(adapterId, domain, db))!;
  }

  async getFacts(adapterId: string, domain: string, db: Db = this.knex): Promise<ManualDomainFacts | null> {
    const row = await db(FACTS).where({ adapter_id: adapterId, domain }).first();
    if (!row) return null;
    return {
      domain: row.domain,
      sponsoredByUs: bool(row.sponsored_by_us),
      registrar: row.registrar,
      statuses: row.statuses === null ? null : String(row.statuses).split(',').filter(Boolean),
      locked: bool(row.locked),
      createdAt: date(row.registered_at),
      expiresAt: date(row.expires_at),
      lastTransferredAt: date(row.last_transferred_at),
      lastRenewedAt: date(row.last_renewed_at),
      registrantEmail: row.registrant_email,
      recordedAt: new Date(Number(row.recorded_at)),
      recordedBy: row.recorded_by,
    };
  }

  private toTask(row: Row): ManualTask {
    const details = row.details ? JSON.parse(row.details) : {};
    return {
      id: Number(row.id),
      reference: `manual-task-${row.id}`,
      adapterId: row.adapter_id,
      domain: row.domain,
      operation: row.operation,
      status: row.status,
      instructions: row.instructions,
      contacts: details.contacts ?? null,
      periodYears: details.periodYears ?? null,
      requestedLock: bool(row.requested_lock),
      hasSecret: Boolean(row.auth_code_sealed),
      secretPurgedAt: date(row.auth_code_purged_at),
      secretRevealedAt: date(row.secret_revealed_at),
      secretRevealedBy: row.secret_revealed_by,
      outcome: row.outcome
        ? { kind: row.outcome, reason: row.outcome_reason, expiryDate: date(row.outcome_expiry_at), emailedTo: row.emailed_to }
        : null,
      completedAt: date(row.completed_at),
      completedBy: row.completed_by,
      createdAt: new Date(Number(row.created_at)),
      updatedAt: new Date(Number(row.updated_at)),
    };
  }
}
