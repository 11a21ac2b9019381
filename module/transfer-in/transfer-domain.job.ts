import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { BillingPort, Clock, EventBus } from '../host-context.ts';
import { SecretIntegrityError, type SecretBox } from '../secret-box.ts';
import type { ModuleNotifications } from '../notifications.ts';
import type { JobContext, JobHandler } from '../jobs/job-types.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import { isRegistrarError, type TransferContacts, type TransferRequestResult } from '../../registrar-adapters/types.ts';
import { writeProvisioningLog } from '../domains/provisioning-log.ts';
import { eppCodeAad, type TransferOrderRow } from './transfer-order.service.ts';
import { createAcceptanceRecorder, upsertPendingDomain } from './transfer-acceptance.recorder.ts';

interface Deps {
  knex: Knex;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  billing: BillingPort;
  secretBox: SecretBox;
  registrars: RegistrarRegistry;
  notifications: ModuleNotifications;
}

type Outcome = { kind: 'accepted'; result: TransferRequestResult; confirmed: boolean } | { kind: 'refused'; code: string; message: string };

/**
 * TransferDomainJob: asks the registrar to transfer the domain in, then records the outcome.
 * Safe to run twice: a registry that says "already pending" is asked for the status instead
 * of being sent a second request, and a lost response is confirmed the same way.
 */
export function createTransferDomainJob(deps: Deps): JobHandler {
  const acceptances = createAcceptanceRecorder(deps.knex);
  return {
    async run(payload, context: JobContext) {
      const order: TransferOrderRow | undefined = await deps.knex('dt_transfer_orders').where({ id: Number(payload.transferOrderId) }).first();
      if (!order || order.status !== 'queued' || order.dispatch_count !== Number(payload.dispatch)) return; // superseded or cancelled
      const actor = `job:${context.job.id}`;
      const routed = deps.registrars.get(order.registrar_id);
      if (!routed) return refuse(order, 'not_eligible', `registrar ${order.registrar_id} is not configured`, actor);
      if (!order.epp_code_ciphertext) return refuse(order, 'auth_code_invalid', 'no EPP code on file', actor);

      let abortReason: string | undefined;
      await deps.events.emit('domain.transfer.before', {
        domain: order.domain,
        clientId: order.client_id,
        registrarId: order.registrar_id,
        abort: (reason: string) => {
          abortReason ??= String(reason);
        },
      });
      if (abortReason) return refuse(order, 'aborted', abortReason, actor);

      const client = await deps.billing.getClient(order.client_id);
      if (!client) return refuse(order, 'not_eligible', 'client profile not found', actor);
      const contacts: TransferContacts = { registrant: client.contact, admin: client.contact, tech: client.contact, billing: client.contact };
      let authCode: string;
      try {
        authCode = deps.secretBox.open(order.epp_code_ciphertext, eppCodeAad(order));
      } catch (error) {
        if (!(error instanceof SecretIntegrityError)) throw error;
        // Tampered with, or sealed under another key: no retry can read it; ask for the code again.
        return refuse(order, 'code_unreadable', 'the stored EPP code could not be decrypted', actor);
      }

      const outcome = await requestOrConfirm(order, authCode, contacts);
      const locale = client.locale ?? '';
      if (outcome.kind === 'refused') return refuse(order, outcome.code, outcome.message, actor, locale);
      await accept(order, outcome.result, outcome.confirmed, actor, locale);
    },

    async onDead(payload, error) {
      const order: TransferOrderRow | undefined = await deps.knex('dt_transfer_orders').where({ id: Number(payload.transferOrderId) }).first();
      if (order?.status === 'queued') await refuse(order, 'registrar_unreachable', error, 'jobs');
    },
  };

  async function requestOrConfirm(order: TransferOrderRow, authCode: string, contacts: TransferContacts): Promise<Outcome> {
    const adapter = deps.registrars.get(order.registrar_id)!;
    const at = () => deps.clock.now();
    try {
      const result = await adapter.transfer({ domain: order.domain, authCode, contacts });
      return { kind: 'accepted', result, confirmed: false };
    } catch (error) {
      if (!isRegistrarError(error)) throw error;
      if (error.retryable) {
        await writeProvisioningLog(deps.knex, { domain: order.domain, transferOrderId: order.id, registrarId: order.registrar_id, action: 'transfer.request', outcome: 'retry', message: error.registrarMessage }, at());
        throw error;
      }
      if (error.code !== 'already_pending') return { kind: 'refused', code: error.code, message: error.registrarMessage };
    }
    // "Already pending": our earlier request may have reached the registry with the answer lost.
    try {
      const status = await adapter.getTransferStatus(order.domain);
      if (status.kind === 'pending') return { kind: 'accepted', result: { kind: 'pending', reference: status.reference ?? '', actionDate: status.actionDate }, confirmed: true };
      if (status.kind === 'completed') return { kind: 'accepted', result: { kind: 'completed', reference: '', expiryDate: status.expiryDate }, confirmed: true };
      return { kind: 'refused', code: 'rejected', message: status.reason };
    } catch (error) {
      if (isRegistrarError(error) && error.code === 'not_found') {
        return { kind: 'refused', code: 'already_pending', message: 'another transfer is already pending for this domain at the registry' };
      }
      throw error;
    }
  }

  async function accept(order: TransferOrderRow, result: TransferRequestResult, confirmed: boolean, actor: string, locale: string): Promise<void> {
    await acceptances.write({ order, result, confirmed, actor, at: deps.clock.now() });
    const payload = { domain: order.domain, clientId: order.client_id, registrarId: order.registrar_id, reference: result.reference };
    await deps.events.emit('domain.transfer.requested', payload);
    if (result.kind === 'completed') await deps.events.emit('domain.transfer.completed', { ...payload, expiryDate: result.expiryDate });
    await deps.notifications.send({ kind: 'client', clientId: order.client_id }, 'transfer.submitted', { domain: order.domain }, { locale });
  }

  async function refuse(order: TransferOrderRow, code: string, message: string, actor: string, locale = ''): Promise<void> {
    const at = deps.clock.now();
    const recorded = await deps.knex.transaction(async (trx) => {
      const updated = await trx('dt_transfer_orders')
        .where({ id: order.id, status: 'queued' })
        .update({ status: 'failed', failure_code: code, failure_reason: message.slice(0, 2000), updated_at: at.getTime() });
      if (updated !== 1) return false;
      await upsertPendingDomain(trx, order, { registrarRef: null, failureCode: code, failureReason: message }, actor, at);
      await writeProvisioningLog(trx, { domain: order.domain, transferOrderId: order.id, registrarId: order.registrar_id, action: 'transfer.request', outcome: 'failed', message: `${code}: ${message}` }, at);
      return true;
    });
    if (!recorded) return;
    deps.logger.warn({ domain: order.domain, code }, 'transfer-in refused');
    await deps.events.emit('domain.transfer.failed', { domain: order.domain, clientId: order.client_id, registrarId: order.registrar_id, code, reason: message });
    await deps.notifications.send({ kind: 'admins' }, 'transfer.failed_admin', { domain: order.domain, code, reason: message, clientId: order.client_id });
    await deps.notifications.send({ kind: 'client', clientId: order.client_id }, 'transfer.failed_client', { domain: order.domain, code, reason: message }, { locale: locale || undefined });
  }
}
