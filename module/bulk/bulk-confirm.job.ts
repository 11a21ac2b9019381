import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { BillingPort, Clock, CreatedBulkOrder } from '../host-context.ts';
import type { JobHandler } from '../jobs/job-types.ts';
import type { SecretBox } from '../secret-box.ts';
import { insertRows } from '../database.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';
import { refuseHeld, type TransferEligibility } from '../transfer-in/transfer-eligibility.service.ts';
import { AppError } from '../errors.ts';
import { eppCodeAad, isUniqueViolation } from '../transfer-in/transfer-order.service.ts';
import { bulkCodeAad } from './bulk-import.service.ts';

/** Names looked up per statement. */
const CHUNK = 500;
const MAX_ROUNDS = 10;

interface PendingRow {
  line: number;
  domain: string;
  client_id: string;
  registrar_id: string;
  amount_minor: number;
  currency: string;
  code_ciphertext: string;
}

export interface BulkConfirmDeps {
  knex: Knex;
  clock: Clock;
  logger: Logger;
  billing: BillingPort;
  secretBox: SecretBox;
  eligibility: Pick<TransferEligibility, 'openHolders'>;
}

/**
 * BulkTransferConfirmJob: turns a confirmed preview's accepted rows into orders. Rows are
 * grouped per client and currency; each group becomes one host order with a line per domain
 * and one invoice (BillingPort.createTransferOrders), then one transfer order per line in one
 * transaction, its code sealed to that order and the preview's copy purged. On payment the
 * invoice.paid hook queues one TransferDomainJob per line, as for single orders.
 *
 * Safe to stop anywhere and run again: a group's key is written to its rows before the host is
 * asked, and asked again with that key the host returns the order it made the first time.
 */
export function createBulkConfirmJob(deps: BulkConfirmDeps): JobHandler {
  return {
    run: (payload) => confirmBulkImport(deps, Number(payload.importId)),
  };
}

/** The confirmation itself, for the job and for the command line. */
export async function confirmBulkImport(deps: BulkConfirmDeps, importId: number): Promise<void> {
  const { knex, clock } = deps;
  const bulk = await knex('dt_bulk_imports').where({ id: importId }).first('id', 'public_id', 'status');
  if (bulk?.status !== 'confirming') return;
  for (let round = 1; ; round++) {
    // Each round places every group; another is needed only after a conflict.
    if (round > MAX_ROUNDS) throw new Error(`bulk transfer ${bulk.public_id}: orders keep meeting conflicts; trying again later`);
    await refuseTakenMeanwhile(deps, importId);
    await formGroups(deps, bulk.public_id, importId);
    const keys: string[] = await knex('dt_bulk_import_rows').where({ import_id: importId, outcome: 'accepted' }).whereNull('transfer_order_id').whereNotNull('order_key').distinct('order_key').pluck('order_key');
    if (!keys.length) break;
    for (const key of keys) await placeGroup(deps, importId, key);
  }
  const now = clock.now().getTime();
  await knex.transaction(async (trx) => {
    // Every code of the preview goes, refused rows' included: the orders hold their own.
    await trx('dt_bulk_import_rows').where({ import_id: importId }).whereNotNull('code_ciphertext').update({ code_ciphertext: null });
    await trx('dt_bulk_imports').where({ id: importId, status: 'confirming' }).update({ status: 'confirmed', confirmed_at: now, updated_at: now });
  });
  deps.logger.info({ importId }, 'bulk transfer confirmed; its preview codes are purged');
}

/**
 * An accepted row not yet in a group whose domain was ordered or taken under management since
 * the preview was checked is refused now, as the single order form would refuse it.
 */
async function refuseTakenMeanwhile(deps: BulkConfirmDeps, importId: number): Promise<void> {
  const { knex } = deps;
  const rows: Array<{ line: number; domain: string; client_id: string }> = await knex('dt_bulk_import_rows').where({ import_id: importId, outcome: 'accepted' }).whereNull('order_key').select('line', 'domain', 'client_id');
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const holders = await deps.eligibility.openHolders(chunk.map((row) => row.domain));
    for (const row of chunk) {
      try {
        refuseHeld({ domain: row.domain, unicode: toUnicode(row.domain) }, row.client_id, holders.get(row.domain));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        await refuse(knex, importId, row.line, error.messageKey, error.params);
      }
    }
  }
}

async function refuse(db: Knex | Knex.Transaction, importId: number, line: number, key: string, params: Record<string, string | number>): Promise<void> {
  await db.transaction(async (trx) => {
    const changed = await trx('dt_bulk_import_rows').where({ import_id: importId, line, outcome: 'accepted' }).whereNull('transfer_order_id').update({ outcome: 'refused', reason_key: key, reason_params: JSON.stringify(params), order_key: null, code_ciphertext: null });
    if (changed) await trx('dt_bulk_imports').where({ id: importId }).update({ accepted_rows: trx.raw('accepted_rows - ?', [changed]) });
  });
}

/** Gives each accepted row without a group the key of its client's and currency's new group. */
async function formGroups(deps: BulkConfirmDeps, publicId: string, importId: number): Promise<void> {
  const { knex } = deps;
  const groups: Array<{ client_id: string; currency: string }> = await knex('dt_bulk_import_rows').where({ import_id: importId, outcome: 'accepted' }).whereNull('order_key').distinct('client_id', 'currency');
  for (const group of groups) {
    await knex.transaction(async (trx) => {
      await trx('dt_bulk_imports').where({ id: importId }).update({ order_groups: trx.raw('order_groups + 1') });
      const { order_groups: n } = await trx('dt_bulk_imports').where({ id: importId }).first('order_groups');
      await trx('dt_bulk_import_rows').where({ import_id: importId, outcome: 'accepted', client_id: group.client_id, currency: group.currency }).whereNull('order_key').update({ order_key: `bulk-transfer:${publicId}:${n}` });
    });
  }
}

/** One group: the host's order (made once per key), then its transfer orders in one transaction. */
async function placeGroup(deps: BulkConfirmDeps, importId: number, key: string): Promise<void> {
  const { knex, billing, secretBox, clock } = deps;
  const rows: PendingRow[] = await knex('dt_bulk_import_rows').where({ import_id: importId, order_key: key, outcome: 'accepted' }).whereNull('transfer_order_id').orderBy('line').select('line', 'domain', 'client_id', 'registrar_id', 'amount_minor', 'currency', 'code_ciphertext');
  if (!rows.length) return;
  const first = rows[0]!;
  const created = await billing.createTransferOrders!({
    clientId: first.client_id,
    currency: first.currency,
    idempotencyKey: key,
    lines: rows.map((row) => ({ domain: row.domain, amountMinor: Number(row.amount_minor), description: `Domain transfer: ${toUnicode(row.domain)} (includes 1-year renewal)` })),
  });
  const items = new Map(created.items.map((item) => [item.domain, item.orderItemId]));
  // An order made by an earlier attempt and cancelled since (a conflict) is not used again.
  const invoice = await billing.getInvoice(created.invoiceId);
  if (invoice?.status === 'cancelled' || rows.some((row) => !items.has(row.domain))) return regroup(deps, importId, key, created);
  const now = clock.now().getTime();
  try {
    await knex.transaction(async (trx) => {
      const orders = rows.map((row) => {
        const orderItemId = items.get(row.domain)!;
        const code = secretBox.open(row.code_ciphertext, bulkCodeAad(importId, row.line, row.domain));
        return {
          order_item_id: orderItemId,
          order_id: created.orderId,
          invoice_id: created.invoiceId,
          invoice_url: created.invoiceUrl,
          client_id: row.client_id,
          domain: row.domain,
          open_domain: row.domain,
          registrar_id: row.registrar_id,
          amount_minor: Number(row.amount_minor),
          currency: row.currency,
          status: 'awaiting_payment',
          dispatch_count: 0,
          code_resubmissions: 0,
          epp_code_ciphertext: secretBox.seal(code, eppCodeAad({ order_item_id: orderItemId, domain: row.domain })),
          created_at: now,
          updated_at: now,
        };
      });
      await insertRows(trx, 'dt_transfer_orders', orders);
      // Each row learns its order, and its copy of the code goes.
      await trx('dt_bulk_import_rows')
        .where({ import_id: importId, order_key: key, outcome: 'accepted' })
        .whereNull('transfer_order_id')
        .update({
          transfer_order_id: trx('dt_transfer_orders as o').where('o.order_id', created.orderId).andWhere('o.domain', trx.ref('dt_bulk_import_rows.domain')).select('o.id'),
          code_ciphertext: null,
        });
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // The same group placed a moment ago by another run of this confirmation (a worker and the
    // command line): its orders stand.
    if (await knex('dt_bulk_import_rows').where({ import_id: importId, order_key: key }).whereNotNull('transfer_order_id').first('id')) return;
    // A domain of the group was ordered elsewhere in the moment since the check: this order
    // is cancelled, that row refused, and the rest placed again under a new key.
    await regroup(deps, importId, key, created);
  }
}

async function regroup(deps: BulkConfirmDeps, importId: number, key: string, created: CreatedBulkOrder): Promise<void> {
  await deps.billing.cancelOrder(created.orderId, 'bulk transfer: a domain of the order was ordered elsewhere meanwhile; its other domains are on a new order');
  await deps.knex('dt_bulk_import_rows').where({ import_id: importId, order_key: key }).whereNull('transfer_order_id').update({ order_key: null });
  deps.logger.warn({ importId, orderId: created.orderId }, 'a bulk transfer order met a domain ordered meanwhile; cancelled and placed again');
}
