import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { BillingPort, Clock, EventBus } from '../host-context.ts';
import { SecretIntegrityError, type SecretBox } from '../secret-box.ts';
import type { ModuleNotifications, QueuedNotification } from '../notifications.ts';
import { JOB_COMPLETED, type ClaimedJob, type JobContext, type JobHandler } from '../jobs/job-types.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import { isRegistrarError, isRetryable, type TransferContacts, type TransferRequestResult, type TransferStatus } from '../../registrar-adapters/types.ts';
import { writeProvisioningLog } from '../domains/provisioning-log.ts';
import { noteDomainEvent } from '../domains/domain-status.machine.ts';
import { eppCodeAad, refusalNotices, type TransferOrderRow } from './transfer-order.service.ts';
import { createAcceptanceRecorder, upsertPendingDomain } from './transfer-acceptance.recorder.ts';
import { createTransferWorkLoader, type TransferWork } from './transfer-work.loader.ts';
import type { EventOutbox } from '../events/event-outbox.ts';
import type { AuthCodeLifecycle } from '../transfer-out/auth-code-lifecycle.ts';
import { orderRefs, type OutgoingEvent, type TransferBeforeEvent } from '../events/domain-events.ts';
import { withRegistrarTimeout } from '../registrar-timeout.ts';
import { describeJobError as describeError } from '../jobs/job-worker.ts';

interface Deps {
  knex: Knex;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  billing: BillingPort;
  secretBox: SecretBox;
  registrars: RegistrarRegistry;
  notifications: ModuleNotifications;
  queue: JobQueue;
  outbox: EventOutbox;
  codes: AuthCodeLifecycle;
  /** How long a transfer request or status query may wait for the registrar. */
  registrarCallTimeoutMs: number;
}

/** One run of the job for one order. `job` is null once the job is dead. */
interface Attempt {
  job: ClaimedJob | null;
  order: TransferOrderRow;
  actor: string;
  /** The client's language ('' for none); undefined when the client is unknown. */
  locale: string | undefined;
}

type Outcome = { kind: 'accepted'; result: TransferRequestResult; confirmed: boolean } | { kind: 'refused'; code: string; message: string };

/**
 * TransferDomainJob: asks the registrar to transfer the domain in, then records the outcome.
 * Safe to run twice: a registry that says "already pending" is asked for the status instead
 * of being sent a second request, and a lost response is confirmed the same way.
 */
export function createTransferDomainJob(deps: Deps): JobHandler {
  const acceptances = createAcceptanceRecorder(deps);
  const work = createTransferWorkLoader(deps.knex, deps.billing);
  const load = ({ payload }: ClaimedJob) => work.submit({ transferOrderId: Number(payload.transferOrderId), clientId: payload.clientId === undefined ? undefined : String(payload.clientId) });
  const prefetched = new WeakMap<ClaimedJob, Promise<TransferWork>>();

  return {
    prefetch(job) {
      const loading = load(job);
      loading.catch(() => {}); // run() sees the error; a job handed back unstarted never asks
      prefetched.set(job, loading);
    },

    async run(payload, context: JobContext) {
      const { order, client, domainRowExists } = await (prefetched.get(context.job) ?? load(context.job));
      prefetched.delete(context.job);
      if (!order || order.status !== 'queued' || order.dispatch_count !== Number(payload.dispatch)) return; // superseded or cancelled
      // '' is "the client has no preferred language", so delivery need not ask again.
      const attempt: Attempt & { job: ClaimedJob } = { job: context.job, order, actor: `job:${context.job.id}`, locale: client ? (client.locale ?? '') : undefined };
      const routed = deps.registrars.get(order.registrar_id);
      if (!routed) return refuse(attempt, 'not_eligible', `registrar ${order.registrar_id} is not configured`);
      if (!order.epp_code_ciphertext) return refuse(attempt, 'auth_code_invalid', 'no EPP code on file');

      let abortReason: string | undefined;
      const before: TransferBeforeEvent = {
        eventId: crypto.randomUUID(),
        occurredAt: deps.clock.now().toISOString(),
        ...factsOf(order),
        abort: (reason: string) => {
          abortReason ??= String(reason);
        },
      };
      await deps.events.emit('domain.transfer.before', before);
      if (abortReason) return refuse(attempt, 'aborted', abortReason);
      if (!client) return refuse(attempt, 'not_eligible', 'client profile not found');
      const contacts: TransferContacts = { registrant: client.contact, admin: client.contact, tech: client.contact, billing: client.contact };
      let authCode: string;
      try {
        authCode = deps.secretBox.open(order.epp_code_ciphertext, eppCodeAad(order));
      } catch (error) {
        if (!(error instanceof SecretIntegrityError)) throw error;
        // Tampered with, or sealed under another key: no retry can read it; ask for the code again.
        return refuse(attempt, 'code_unreadable', 'the stored EPP code could not be decrypted');
      }

      // A retry may follow a request whose answer never came (a timeout, a dropped connection,
      // a worker killed mid-call): ask the registry first instead of sending it again.
      const outcome = await requestOrConfirm(order, authCode, contacts, context.job.attempts > 1);
      // The registrar has answered: recording it needs no slot, so the next job may call.
      context.releaseSlot();
      if (outcome.kind === 'refused') return refuse(attempt, outcome.code, outcome.message);
      return accept(attempt, outcome.result, outcome.confirmed, domainRowExists);
    },

    /**
     * Out of attempts. Before the order fails, the registry is asked whether one of them got
     * through after all (its answer lost to a timeout or a dead worker): then it is pending.
     */
    async onDead(payload, error, job) {
      const order: TransferOrderRow | undefined = await deps.knex('dt_transfer_orders').where({ id: Number(payload.transferOrderId) }).first();
      if (order?.status !== 'queued') return;
      const attempt: Attempt & { job: ClaimedJob } = { job, order, actor: 'jobs', locale: undefined };
      let asked: string;
      try {
        const status = await registryStatus(order);
        if (status?.kind === 'pending') {
          const domainRowExists = Boolean(await deps.knex('dt_domains').where({ domain: order.domain }).first('id'));
          await accept(attempt, pendingResult(status), true, domainRowExists);
          return;
        }
        asked = status ? 'the registry shows no pending request from us' : 'the registry has no transfer request from us';
      } catch (caught) {
        asked = `the registry could not be asked whether a request arrived (${describeError(caught)})`;
      }
      await refuse({ ...attempt, job: null }, 'registrar_unreachable', `${error}; ${asked}`);
    },
  };

  /** What the registry says of our transfer of this domain; undefined when it has none on record. */
  async function registryStatus(order: TransferOrderRow): Promise<TransferStatus | undefined> {
    const adapter = deps.registrars.get(order.registrar_id);
    if (!adapter) return undefined;
    try {
      return await withRegistrarTimeout(adapter.getTransferStatus(order.domain), deps.registrarCallTimeoutMs, 'getTransferStatus', order.registrar_id);
    } catch (error) {
      if (isRegistrarError(error) && error.code === 'not_found') return undefined;
      throw error;
    }
  }

  async function requestOrConfirm(order: TransferOrderRow, authCode: string, contacts: TransferContacts, confirmFirst: boolean): Promise<Outcome> {
    const adapter = deps.registrars.get(order.registrar_id)!;
    if (confirmFirst) {
      // Only a pending transfer is surely ours; anything else, and the request is sent.
      const status = await registryStatus(order).catch(async (error: unknown) => {
        if (isRegistrarError(error) && isRetryable(error)) await logRetry(order, error.registrarMessage);
        throw error;
      });
      if (status?.kind === 'pending') return { kind: 'accepted', result: pendingResult(status), confirmed: true };
    }
    try {
      const result = await withRegistrarTimeout(adapter.transfer({ domain: order.domain, authCode, contacts }), deps.registrarCallTimeoutMs, 'transfer', order.registrar_id);
      return { kind: 'accepted', result, confirmed: false };
    } catch (error) {
      if (!isRegistrarError(error)) throw error;
      if (isRetryable(error)) {
        await logRetry(order, error.registrarMessage);
        throw error;
      }
      if (error.code !== 'already_pending') return { kind: 'refused', code: error.code, message: error.registrarMessage };
    }
    // "Already pending": our earlier request may have reached the registry with the answer lost.
    const status = await registryStatus(order);
    if (!status) return { kind: 'refused', code: 'already_pending', message: 'another transfer is already pending for this domain at the registry' };
    if (status.kind === 'pending') return { kind: 'accepted', result: pendingResult(status), confirmed: true };
    if (status.kind === 'completed') return { kind: 'accepted', result: { kind: 'completed', reference: '', expiryDate: status.expiryDate }, confirmed: true };
    return { kind: 'refused', code: 'rejected', message: status.reason };
  }

  function logRetry(order: TransferOrderRow, message: string): Promise<void> {
    return writeProvisioningLog(deps.knex, { domain: order.domain, transferOrderId: order.id, registrarId: order.registrar_id, action: 'transfer.request', outcome: 'retry', message }, deps.clock.now());
  }

  async function accept({ job, order, actor, locale }: Attempt & { job: ClaimedJob }, result: TransferRequestResult, confirmed: boolean, domainRowExists: boolean): Promise<typeof JOB_COMPLETED> {
    const messages: QueuedNotification[] = [{ to: { kind: 'client', clientId: order.client_id }, template: 'transfer.submitted', params: { domain: order.domain }, locale }];
    const facts = factsOf(order);
    const events: OutgoingEvent[] = [
      { name: 'domain.transfer.requested', facts: { ...facts, reference: result.reference, actionDate: result.kind === 'pending' ? (result.actionDate?.toISOString() ?? null) : null } },
    ];
    if (result.kind === 'completed') events.push({ name: 'domain.transfer.completed', facts: { ...facts, expiryDate: result.expiryDate.toISOString() } });
    await acceptances.submit({ job, order, result, confirmed, actor, at: deps.clock.now(), messages, events, domainRowExists });
    return JOB_COMPLETED;
  }

  /**
   * Records a final failure, and the messages to the admins and the client, in one transaction;
   * with a job, its completion too. Without one (the job is dead already) it returns undefined.
   */
  async function refuse({ job, order, actor, locale }: Attempt, code: string, message: string): Promise<typeof JOB_COMPLETED | undefined> {
    const at = deps.clock.now();
    const messages = refusalNotices({ domain: order.domain, clientId: order.client_id, code, reason: message }, locale);
    const recorded = await deps.knex.transaction(async (trx) => {
      const updated = await trx('dt_transfer_orders')
        .where({ id: order.id, status: 'queued' })
        .update({ status: 'failed', failure_code: code, failure_reason: message.slice(0, 2000), updated_at: at.getTime() });
      if (updated !== 1) return false;
      const domainId = await upsertPendingDomain(trx, order, { registrarRef: null, failureCode: code, failureReason: message }, actor, at);
      await noteDomainEvent(trx, { domainId, status: 'pending', cause: 'transfer.failed', actor, detail: `${code}: ${message}` }, at);
      await writeProvisioningLog(trx, { domain: order.domain, transferOrderId: order.id, registrarId: order.registrar_id, action: 'transfer.request', outcome: 'failed', message: `${code}: ${message}` }, at);
      if (job) await deps.queue.completeIn(trx, [job]);
      await deps.notifications.enqueue(trx, messages, job ? [job] : []);
      await deps.outbox.record(trx, [{ name: 'domain.transfer.failed', facts: { ...factsOf(order), code, reason: message } }], at, job ? [job] : []);
      return true;
    });
    if (!recorded) return undefined;
    deps.queue.wake();
    deps.logger.warn({ domain: order.domain, code }, 'transfer-in refused');
    return job ? JOB_COMPLETED : undefined;
  }
}

/** A pending transfer the registry reports, as the result of our request. */
function pendingResult(status: Extract<TransferStatus, { kind: 'pending' }>): TransferRequestResult {
  return { kind: 'pending', reference: status.reference ?? '', actionDate: status.actionDate };
}

/** What every event about this order's domain carries. */
function factsOf(order: TransferOrderRow) {
  return { domain: order.domain, clientId: order.client_id, registrarId: order.registrar_id, ...orderRefs(order) };
}
