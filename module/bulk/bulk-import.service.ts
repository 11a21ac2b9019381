import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { BillingPort, Clock } from '../host-context.ts';
import type { ModuleConfig } from '../config.ts';
import type { SecretBox } from '../secret-box.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { AppError, ConflictError, NotFoundError } from '../errors.ts';
import { insertRows } from '../database.ts';
import { normalizeDomain, validateEppCode } from '../transfer-in/domain-name.ts';
import { readTransferCsv, type CsvTransferRow } from './transfer-csv.reader.ts';
import type { ScheduledTask } from '../../cron/scheduled-task.ts';

export const BULK_CHECK_JOB = 'BulkTransferCheckJob';
export const BULK_CONFIRM_JOB = 'BulkTransferConfirmJob';
const INSERT_CHUNK = 2000;

export type BulkImportStatus = 'checking' | 'ready' | 'confirming' | 'confirmed' | 'expired';

export interface BulkImportRow {
  id: number;
  public_id: string;
  created_by: string;
  default_client_id: string | null;
  status: BulkImportStatus;
  total_rows: number;
  checked_rows: number;
  accepted_rows: number;
  expires_at: number;
  confirmed_at: number | null;
  confirmed_by: string | null;
  created_at: number;
}

export interface BulkImportLine {
  line: number;
  domain: string;
  client_id: string | null;
  outcome: 'unchecked' | 'accepted' | 'refused';
  reason_key: string | null;
  reason_params: string | null;
  amount_minor: number | null;
  currency: string | null;
}

/** What a sealed code of a bulk row is bound to: moved to another row or import, it does not open. */
export function bulkCodeAad(importId: number, line: number, domain: string): string {
  return `bulk-import:${importId}:${line}:${domain}`;
}

interface Deps {
  knex: Knex;
  clock: Clock;
  logger: Logger;
  config: ModuleConfig['bulk'];
  secretBox: SecretBox;
  billing: BillingPort;
  queue: JobQueue;
  /** The check and the confirmation, run in this process (the command line's way). */
  work: { check(importId: number): Promise<void>; confirm(importId: number): Promise<void> };
}

/**
 * Bulk transfer imports: a file read into a preview of rows, each checked like a single order
 * by BulkTransferCheckJob, shown to the admin, then confirmed or left to expire.
 */
export class BulkImportService {
  constructor(private readonly deps: Deps) {}

  /** The largest file accepted (bulk.maxBytes). */
  get maxBytes(): number {
    return this.deps.config.maxBytes;
  }

  /** The most rows a file may have (bulk.maxRows). */
  get maxRows(): number {
    return this.deps.config.maxRows;
  }

  /**
   * Reads the file into a new import and queues its check. A file refused as a whole (not CSV,
   * too large, too many rows, no rows) leaves nothing behind: its rows written so far go with it.
   */
  async createFromCsv(input: Readable, options: { actor: string; defaultClientId?: string; queueCheck?: boolean }): Promise<BulkImportRow> {
    const { knex, clock, config } = this.deps;
    const now = clock.now().getTime();
    const [id] = await knex('dt_bulk_imports').insert({
      public_id: crypto.randomBytes(12).toString('base64url'),
      created_by: options.actor,
      default_client_id: options.defaultClientId ?? null,
      status: 'checking',
      expires_at: now + config.previewTtlMinutes * 60_000,
      created_at: now,
      updated_at: now,
    });
    const importId = Number(id);
    try {
      const { total, refused } = await this.readRows(importId, input, options.defaultClientId);
      // Rows refused while reading (not a name, a duplicate, no client) are checked already.
      await knex('dt_bulk_imports').where({ id: importId }).update({ total_rows: total, checked_rows: refused, updated_at: clock.now().getTime() });
    } catch (error) {
      await knex('dt_bulk_import_rows').where({ import_id: importId }).delete();
      await knex('dt_bulk_imports').where({ id: importId }).delete();
      throw error;
    }
    if (options.queueCheck !== false) await this.deps.queue.enqueue(BULK_CHECK_JOB, `bulk-check:${importId}`, { importId });
    return this.byId(importId);
  }

  /**
   * Checks an import created with `queueCheck: false` here and now (the command line, which
   * shows its progress). Stopped half-way, the import waits unconfirmed until it expires.
   */
  checkNow(importId: number): Promise<void> {
    return this.deps.work.check(importId);
  }

  /**
   * Carries out a confirmation here and now rather than waiting for a worker. Its job is queued
   * all the same, so one stopped half-way is finished by a worker; a run that finds the work
   * done makes nothing more.
   */
  async confirmNow(publicId: string, actor: string): Promise<BulkImportRow> {
    const bulk = await this.confirm(publicId, actor);
    await this.deps.work.confirm(bulk.id);
    return this.byId(bulk.id);
  }

  private async readRows(importId: number, input: Readable, defaultClientId: string | undefined): Promise<{ total: number; refused: number }> {
    const seen = new Map<string, number>();
    const clients = new Map<string, boolean>();
    let batch: Array<Record<string, unknown>> = [];
    let total = 0;
    let refused = 0;
    // Up to two chunks are written (on two connections) while the next is read and sealed: the
    // database's time and the parser's overlap, and at most three chunks sit in memory.
    const writes: Array<Promise<void>> = [];
    let writing: Promise<unknown> = Promise.resolve();
    const flush = async () => {
      const rows = batch;
      batch = [];
      if (writes.length >= 2) await writes.shift();
      const write = insertRows(this.deps.knex, 'dt_bulk_import_rows', rows, { chunk: INSERT_CHUNK });
      write.catch(() => {});
      writes.push(write);
      writing = Promise.all(writes);
    };
    try {
      for await (const rows of readTransferCsv(input, this.deps.config)) {
        for (const row of rows) {
          total++;
          const clientId = row.client ?? defaultClientId;
          if (clientId && !clients.has(clientId)) clients.set(clientId, (await this.deps.billing.getClient(clientId)) !== null);
          const prepared = this.prepare(importId, row, defaultClientId, seen, clients);
          if (prepared.outcome === 'refused') refused++;
          batch.push(prepared);
          if (batch.length >= INSERT_CHUNK) await flush();
        }
      }
      await flush();
    } finally {
      // A file refused half-way is removed whole: not before its last chunk is written.
      await writing.catch(() => undefined);
    }
    await writing;
    return { total, refused };
  }

  /** One row as stored: normalised and sealed when it can be checked, refused with its reason when not. */
  private prepare(importId: number, row: CsvTransferRow, defaultClientId: string | undefined, seen: Map<string, number>, clients: Map<string, boolean>) {
    const refused = (domain: string, key: string, params: Record<string, string | number> = {}) => ({
      import_id: importId,
      line: row.line,
      domain: domain.slice(0, 253),
      client_id: (row.client ?? defaultClientId ?? null)?.slice(0, 64) ?? null,
      code_ciphertext: null,
      outcome: 'refused',
      reason_key: key,
      reason_params: JSON.stringify(params),
    });
    if (row.problem) return refused(row.domain, `bulk:row.${row.problem}`);
    let domain: string;
    try {
      domain = normalizeDomain(row.domain).domain;
      validateEppCode(row.code);
    } catch (error) {
      if (error instanceof AppError) return refused(row.domain, error.messageKey, error.params);
      throw error;
    }
    const clientId = row.client ?? defaultClientId;
    if (!clientId) return refused(domain, 'bulk:row.no_client');
    // Each client is looked up once per file, before its first row is prepared.
    if (!clients.get(clientId)) return refused(domain, 'bulk:row.unknown_client', { client: clientId.slice(0, 64) });
    const first = seen.get(domain);
    if (first !== undefined) return refused(domain, 'bulk:row.duplicate', { line: first });
    seen.set(domain, row.line);
    return {
      import_id: importId,
      line: row.line,
      domain,
      client_id: clientId,
      code_ciphertext: this.deps.secretBox.seal(row.code, bulkCodeAad(importId, row.line, domain)),
      outcome: 'unchecked',
      reason_key: null,
      reason_params: null,
    };
  }

  /**
   * The admin confirms the preview: its accepted rows become orders, by BulkTransferConfirmJob.
   * A confirmation sent again (a double click, a replayed form) changes nothing and answers
   * with the import as it stands.
   */
  async confirm(publicId: string, actor: string): Promise<BulkImportRow> {
    const { knex, clock, billing, queue } = this.deps;
    const bulk = await this.byPublicId(publicId);
    if (bulk.status === 'confirming' || bulk.status === 'confirmed') return bulk;
    if (bulk.status === 'checking') throw new ConflictError('bulk:errors.still_checking');
    const now = clock.now().getTime();
    if (bulk.status === 'expired' || Number(bulk.expires_at) <= now) throw new ConflictError('bulk:errors.expired');
    if (!billing.createTransferOrders || !billing.cancelOrderItem) throw new ConflictError('bulk:errors.host_cannot_bulk');
    if (!bulk.accepted_rows) throw new ConflictError('bulk:errors.nothing_accepted');
    const won = await knex.transaction(async (trx) => {
      const changed = await trx('dt_bulk_imports').where({ id: bulk.id, status: 'ready' }).andWhere('expires_at', '>', now).update({ status: 'confirming', confirmed_by: actor.slice(0, 128), updated_at: now });
      if (changed !== 1) return false;
      await queue.enqueue(BULK_CONFIRM_JOB, `bulk-confirm:${bulk.id}`, { importId: bulk.id }, { trx });
      return true;
    });
    if (!won) return this.confirm(publicId, actor);
    queue.wake();
    return this.byId(bulk.id);
  }

  /** The orders a confirmed import made: one per client and currency, with their invoices. */
  async ordersOf(importId: number): Promise<Array<{ client_id: string; order_id: string; invoice_id: string; invoice_url: string | null; domains: number; total_minor: number; currency: string }>> {
    const rows = await this.deps.knex('dt_bulk_import_rows as r')
      .join('dt_transfer_orders as o', 'o.id', 'r.transfer_order_id')
      .where('r.import_id', importId)
      .groupBy('o.client_id', 'o.order_id', 'o.invoice_id', 'o.invoice_url', 'o.currency')
      .select('o.client_id', 'o.order_id', 'o.invoice_id', 'o.invoice_url', 'o.currency')
      .count({ domains: '*' })
      .sum({ total_minor: 'o.amount_minor' })
      .orderBy('o.order_id');
    return rows.map((row: Record<string, unknown>) => ({ ...row, domains: Number(row.domains), total_minor: Number(row.total_minor) })) as never;
  }

  /** Each ordered row's host order and invoice. */
  async orderLinks(importId: number): Promise<Array<{ line: number; order_id: string; invoice_id: string }>> {
    return this.deps.knex('dt_bulk_import_rows as r').join('dt_transfer_orders as o', 'o.id', 'r.transfer_order_id').where('r.import_id', importId).select('r.line', 'o.order_id', 'o.invoice_id');
  }

  async byPublicId(publicId: string): Promise<BulkImportRow> {
    const row = await this.deps.knex('dt_bulk_imports').where({ public_id: publicId }).first();
    if (!row) throw new NotFoundError();
    return row as BulkImportRow;
  }

  async byId(id: number): Promise<BulkImportRow> {
    return (await this.deps.knex('dt_bulk_imports').where({ id }).first()) as BulkImportRow;
  }

  /** A page of the import's rows in file order, optionally only one outcome. */
  async lines(importId: number, options: { outcome?: BulkImportLine['outcome']; afterLine?: number; limit?: number } = {}): Promise<BulkImportLine[]> {
    const q = this.deps.knex('dt_bulk_import_rows')
      .where({ import_id: importId })
      .andWhere('line', '>', options.afterLine ?? 0)
      .select('line', 'domain', 'client_id', 'outcome', 'reason_key', 'reason_params', 'amount_minor', 'currency')
      .orderBy('line')
      .limit(options.limit ?? 100);
    if (options.outcome) q.where('outcome', options.outcome);
    return q;
  }

  /** Counts of the import's rows by outcome. */
  async outcomes(importId: number): Promise<Record<BulkImportLine['outcome'], number>> {
    const rows: Array<{ outcome: BulkImportLine['outcome']; n: number | string }> = await this.deps.knex('dt_bulk_import_rows').where({ import_id: importId }).select('outcome').count({ n: '*' }).groupBy('outcome');
    const counts = { unchecked: 0, accepted: 0, refused: 0 };
    for (const row of rows) counts[row.outcome] = Number(row.n);
    return counts;
  }

  /** Ends a preview now (a dry run's): its codes purged, never to be confirmed. */
  async discard(importId: number): Promise<void> {
    await this.expire(importId, this.deps.clock.now().getTime());
  }

  private async expire(id: number, now: number): Promise<void> {
    await this.deps.knex.transaction(async (trx) => {
      await trx('dt_bulk_import_rows').where({ import_id: id }).whereNotNull('code_ciphertext').update({ code_ciphertext: null });
      await trx('dt_bulk_imports').where({ id }).whereIn('status', ['checking', 'ready']).update({ status: 'expired', updated_at: now });
    });
  }

  /**
   * Ends previews nobody confirmed in time: their sealed codes are purged and they can no
   * longer be confirmed. Run by the scheduler; returns how many expired.
   */
  async expireStale(): Promise<number> {
    const { knex, clock } = this.deps;
    const now = clock.now().getTime();
    const stale: number[] = (await knex('dt_bulk_imports').whereIn('status', ['checking', 'ready']).andWhere('expires_at', '<', now).pluck('id')).map(Number);
    for (const id of stale) await this.expire(id, now);
    if (stale.length) this.deps.logger.info({ expired: stale.length }, 'expired bulk transfer previews; their EPP codes are purged');
    return stale.length;
  }
}

export const EXPIRE_BULK_PREVIEWS_TASK_ID = 'expire-bulk-previews';

/** Every 5 minutes: bulk previews past their hour expire and their sealed EPP codes are purged. */
export function createBulkPreviewExpiryTask(imports: BulkImportService): ScheduledTask<{ expired: number }> {
  return {
    id: EXPIRE_BULK_PREVIEWS_TASK_ID,
    schedule: 'every 5 min',
    timezone: 'UTC',
    description: 'Expires bulk transfer previews nobody confirmed and purges their EPP codes.',
    async execute() {
      return { expired: await imports.expireStale() };
    },
  };
}
