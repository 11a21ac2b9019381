import type { Knex } from 'knex';
import type { TransferRequestResult } from '../../registrar-adapters/types.ts';
import { RegistrarError } from '../../registrar-adapters/types.ts';
import { createPendingDomain, transitionDomain, type DomainStatus } from '../domains/domain-status.machine.ts';
import { writeProvisioningLog } from '../domains/provisioning-log.ts';
import { BatchedWriter } from '../jobs/batched-writer.ts';
import type { TransferOrderRow } from './transfer-order.service.ts';

/** A transfer the registry accepted, to be written down. */
export interface Acceptance {
  order: TransferOrderRow;
  result: TransferRequestResult;
  /** True when the registry already had our request (a lost response confirmed by query). */
  confirmed: boolean;
  actor: string;
  at: Date;
}

const submittedPatch = (at: Date) => ({ status: 'submitted', open_domain: null, epp_code_ciphertext: null, epp_code_purged_at: at.getTime(), updated_at: at.getTime() });

function logMessage(a: Acceptance): string {
  return a.confirmed ? 'registry already had our request; confirmed by status query' : `accepted (${a.result.reference || 'no reference'})`;
}

/**
 * Writes accepted transfers: the pending domain (or its new attempt), its history, the order
 * marked submitted with its EPP code purged, and the provisioning log. Concurrent jobs'
 * acceptances share one transaction; the plain case (a new domain, pending) is written with
 * one statement per table for the whole batch.
 */
export function createAcceptanceRecorder(knex: Knex): BatchedWriter<Acceptance> {
  return new BatchedWriter<Acceptance>(
    (items) => knex.transaction((trx) => acceptMany(trx, items)),
    (item) => knex.transaction((trx) => acceptOne(trx, item)),
    { maxBatch: 32, maxDelayMs: 2 },
  );
}

async function acceptMany(trx: Knex.Transaction, items: Acceptance[]): Promise<void> {
  const names = items.map((i) => i.order.domain);
  if (new Set(names).size !== names.length) throw new Error('one domain twice in a batch');
  const known = new Set<string>(await trx('dt_domains').whereIn('domain', names).pluck('domain'));
  const fresh = items.filter((i) => !known.has(i.order.domain) && i.result.kind === 'pending');
  for (const item of items.filter((i) => !fresh.includes(i))) await acceptOne(trx, item);
  if (!fresh.length) return;

  await trx('dt_domains').insert(
    fresh.map(({ order, result, at }) => ({
      domain: order.domain,
      client_id: order.client_id,
      registrar_id: order.registrar_id,
      registrar_ref: result.reference || null,
      status: 'pending',
      transfer_order_id: order.id,
      status_changed_at: at.getTime(),
      created_at: at.getTime(),
      updated_at: at.getTime(),
    })),
  );
  const ids = new Map<string, number>(
    (await trx('dt_domains').whereIn('domain', fresh.map((i) => i.order.domain)).select('id', 'domain')).map((r: { id: number; domain: string }) => [r.domain, Number(r.id)]),
  );
  await trx('dt_domain_status_history').insert(
    fresh.map(({ order, actor, at }) => ({ domain_id: ids.get(order.domain), from_status: null, to_status: 'pending', cause: 'transfer.requested', actor, created_at: at.getTime() })),
  );
  const at = fresh[0]!.at;
  await trx('dt_transfer_orders').whereIn('id', fresh.map((i) => i.order.id)).andWhere('status', 'queued').update(submittedPatch(at));
  await trx('dt_provisioning_log').insert(
    fresh.map((a) => ({
      domain: a.order.domain,
      transfer_order_id: a.order.id,
      registrar_id: a.order.registrar_id,
      action: a.confirmed ? 'transfer.confirm' : 'transfer.request',
      outcome: 'ok',
      message: logMessage(a),
      created_at: a.at.getTime(),
    })),
  );
}

async function acceptOne(trx: Knex.Transaction, a: Acceptance): Promise<void> {
  const { order, result, actor, at } = a;
  const id = await upsertPendingDomain(trx, order, { registrarRef: result.reference || null, failureCode: null, failureReason: null }, actor, at);
  if (result.kind === 'completed') {
    await transitionDomain(trx, { domainId: id, from: 'pending', to: 'active', cause: 'transfer.completed', actor, at, patch: { expiry_date: result.expiryDate.getTime() } });
  }
  await trx('dt_transfer_orders').where({ id: order.id, status: 'queued' }).update(submittedPatch(at));
  await writeProvisioningLog(trx, { domain: order.domain, transferOrderId: order.id, registrarId: order.registrar_id, action: a.confirmed ? 'transfer.confirm' : 'transfer.request', outcome: 'ok', message: logMessage(a) }, at);
}

/** The domains row for this order: created pending, reopened (a new attempt), or updated. */
export async function upsertPendingDomain(
  trx: Knex.Transaction,
  order: TransferOrderRow,
  fields: { registrarRef: string | null; failureCode: string | null; failureReason: string | null },
  actor: string,
  at: Date,
): Promise<number> {
  const existing: { id: number; status: DomainStatus } | undefined = await trx('dt_domains').where({ domain: order.domain }).first('id', 'status');
  const patch = {
    client_id: order.client_id,
    registrar_id: order.registrar_id,
    transfer_order_id: order.id,
    registrar_ref: fields.registrarRef,
    failure_code: fields.failureCode,
    failure_reason: fields.failureReason?.slice(0, 2000) ?? null,
    expiry_date: null,
  };
  if (!existing) {
    return createPendingDomain(trx, { domain: order.domain, clientId: order.client_id, registrarId: order.registrar_id, transferOrderId: order.id, ...fields }, 'transfer.requested', actor, at);
  }
  if (existing.status === 'pending') {
    await trx('dt_domains').where({ id: existing.id }).update({ ...patch, updated_at: at.getTime() });
    return existing.id;
  }
  if (existing.status === 'cancelled' || existing.status === 'transferred_away') {
    const moved = await transitionDomain(trx, { domainId: existing.id, from: existing.status, to: 'pending', cause: 'transfer.new_attempt', actor, at, patch });
    if (moved) return existing.id;
  }
  throw new RegistrarError('transient', `domain ${order.domain} changed state while recording the transfer; will retry`);
}
