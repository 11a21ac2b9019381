import type { Knex } from 'knex';
import type { AuthCodeLifecycle } from '../transfer-out/auth-code-lifecycle.ts';
import type { TransferRequestResult } from '../../registrar-adapters/types.ts';
import { RegistrarError } from '../../registrar-adapters/types.ts';
import { createPendingDomain, transitionDomain, type DomainStatus } from '../domains/domain-status.machine.ts';
import { writeProvisioningLog } from '../domains/provisioning-log.ts';
import { Batcher, oneByOneOnFailure } from '../jobs/batcher.ts';
import { allSettledOrThrow, insertRows, WRITE_BATCHES_IN_FLIGHT } from '../database.ts';
import type { TransferOrderRow } from './transfer-order.service.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { ClaimedJob } from '../jobs/job-types.ts';
import type { ModuleNotifications, QueuedNotification } from '../notifications.ts';
import type { EventOutbox } from '../events/event-outbox.ts';
import type { OutgoingEvent } from '../events/domain-events.ts';

/** A transfer the registry accepted, to be written down. */
export interface Acceptance {
  /** The TransferDomainJob that asked; marked done in the same transaction. */
  job: ClaimedJob;
  order: TransferOrderRow;
  result: TransferRequestResult;
  /** True when the registry already had our request (a lost response confirmed by query). */
  confirmed: boolean;
  actor: string;
  at: Date;
  /** A domains row had this name when the job started: written the careful way, not inserted. */
  domainRowExists: boolean;
  /** What to tell whom; delivered once this acceptance has committed. */
  messages: QueuedNotification[];
  /** The hooks that report it, recorded in the same transaction. */
  events: OutgoingEvent[];
}

const submittedPatch = (at: Date) => ({ status: 'submitted', open_domain: null, epp_code_ciphertext: null, epp_code_purged_at: at.getTime(), updated_at: at.getTime() });

function logMessage(a: Acceptance): string {
  return a.confirmed ? 'registry already had our request; confirmed by status query' : `accepted (${a.result.reference || 'no reference'})`;
}

/**
 * Writes accepted transfers: the pending domain (or its new attempt), its history, the order
 * marked submitted with its EPP code purged, the provisioning log, the job done and the
 * messages about it queued. Concurrent jobs' acceptances share one transaction; the plain case
 * (a new domain, pending) is written with one statement per table for the whole batch.
 */
export function createAcceptanceRecorder(deps: { knex: Knex; queue: JobQueue; notifications: ModuleNotifications; outbox: EventOutbox; codes: AuthCodeLifecycle }): Batcher<Acceptance, void> {
  const { knex, queue, notifications, outbox, codes } = deps;
  const record = async (items: Acceptance[], write: (trx: Knex.Transaction) => Promise<unknown>) => {
    const jobs = items.map((i) => i.job);
    const news = outbox.prepare(items.flatMap((i) => i.events), items[0]!.at, jobs);
    await knex.transaction((trx) =>
      allSettledOrThrow([
        write(trx),
        queue.completeIn(trx, jobs),
        insertRows(trx, 'dt_events', news?.rows ?? []),
        // The messages and the hooks about this batch: two jobs, one statement.
        queue.enqueueAll(trx, [notifications.jobFor(items.flatMap((i) => i.messages), jobs), news?.job]),
      ]),
    );
    queue.wake();
  };
  return new Batcher<Acceptance, void>(
    oneByOneOnFailure(
      (items) => record(items, (trx) => acceptMany(trx, items, codes)),
      (item) => record([item], (trx) => acceptOne(trx, item, codes)),
    ),
    { maxBatch: 100, maxInFlight: WRITE_BATCHES_IN_FLIGHT },
  );
}

async function acceptMany(trx: Knex.Transaction, items: Acceptance[], codes: AuthCodeLifecycle): Promise<void> {
  // A name that gained a row since the job started (or is twice in the batch) fails the insert
  // on the unique name, and with it this batch, which is then written one by one.
  const fresh = items.filter((i) => !i.domainRowExists && i.result.kind === 'pending');
  for (const item of items.filter((i) => !fresh.includes(i))) await acceptOne(trx, item, codes);
  if (!fresh.length) return;

  const at = fresh[0]!.at.getTime();
  // Statements start in the order they are created here (a knex query runs once `then` is
  // called) and queue on the transaction's connection in that order.
  const insertDomains = trx('dt_domains').insert(
    fresh.map(({ order, result }) => ({
      domain: order.domain,
      client_id: order.client_id,
      registrar_id: order.registrar_id,
      registrar_ref: result.reference || null,
      status: 'pending',
      transfer_order_id: order.id,
      status_changed_at: at,
      created_at: at,
      updated_at: at,
    })),
  ).then(() => undefined);
  // Straight from the rows inserted just before it on the same connection, so no round trip
  // reads their ids; the count proves they were there.
  const insertHistory = trx
    .raw(
      `insert into dt_domain_status_history (domain_id, from_status, to_status, cause, actor, created_at)
       select id, null, 'pending', 'transfer.requested', case domain ${fresh.map(() => 'when ? then ?').join(' ')} end, ? from dt_domains where domain in (${fresh.map(() => '?').join(', ')})`,
      [...fresh.flatMap((i) => [i.order.domain, i.actor]), at, ...fresh.map((i) => i.order.domain)],
    )
    .then((result: unknown) => {
      if (affectedRows(result) !== fresh.length) throw new Error('status history rows do not match the domains inserted');
    });
  await allSettledOrThrow([
    insertDomains,
    insertHistory,
    trx('dt_transfer_orders').whereIn('id', fresh.map((i) => i.order.id)).andWhere('status', 'queued').update(submittedPatch(fresh[0]!.at)).then(() => undefined),
    trx('dt_provisioning_log').insert(
      fresh.map((a) => ({
        domain: a.order.domain,
        transfer_order_id: a.order.id,
        registrar_id: a.order.registrar_id,
        action: a.confirmed ? 'transfer.confirm' : 'transfer.request',
        outcome: 'ok',
        message: logMessage(a),
        created_at: at,
      })),
    ),
  ]);
}

async function acceptOne(trx: Knex.Transaction, a: Acceptance, codes: AuthCodeLifecycle): Promise<void> {
  const { order, result, actor, at } = a;
  const id = await upsertPendingDomain(trx, order, { registrarRef: result.reference || null, failureCode: null, failureReason: null }, actor, at);
  if (result.kind === 'completed') {
    await transitionDomain(trx, { domainId: id, from: 'pending', to: 'active', cause: 'transfer.completed', actor, at, patch: { expiry_date: result.expiryDate.getTime() } });
    await codes.transferInCompleted(trx, order.domain, order.registrar_id, actor);
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

/** Rows an INSERT … SELECT wrote, from either driver's raw result. */
function affectedRows(result: unknown): number {
  const r = result as { changes?: number; affectedRows?: number } | Array<{ affectedRows?: number }>;
  if (Array.isArray(r)) return Number(r[0]?.affectedRows ?? -1);
  return Number(r.changes ?? r.affectedRows ?? -1);
}
