import type { Logger } from 'pino';
import {
  RegistrarError,
  type AdapterFactoryContext,
  type DomainInfo,
  type EppCodeResult,
  type RegistrarAdapter,
  type RegistryTransferEvent,
  type TransferRequest,
  type TransferRequestResult,
  type TransferStatus,
} from '../types.ts';
import type { SandboxOptions } from './sandbox.options.ts';
import { SandboxRegistry, type SandboxDomain } from './sandbox.registry.ts';

/**
 * The registrar API view of the sandbox registry: what a real registrar would let us do, with
 * simulated latency and failures. Admin and demo operations are on `registry`.
 */
export class SandboxAdapter implements RegistrarAdapter {
  readonly label = 'Sandbox registry';
  readonly registry: SandboxRegistry;
  private readonly logger: Logger;
  private seeding: Promise<void> | undefined;

  constructor(
    readonly id: string,
    readonly options: SandboxOptions,
    context: AdapterFactoryContext,
  ) {
    this.registry = new SandboxRegistry(context.knex, context.clock, context.registrarId, options);
    this.logger = context.logger;
  }

  /**
   * Seeds the demo domains once when `seedDemoDomains` is on. Every adapter call awaits it, so
   * a host need not call it; calling it at boot makes the demo domains visible on the admin page
   * before the first registrar call.
   */
  init(): Promise<void> {
    this.seeding ??= (async () => {
      if (!this.options.seedDemoDomains) return;
      const added = await this.registry.seedDemoDomains();
      if (added.length) this.logger.info({ count: added.length }, 'sandbox registry seeded its demo domains');
    })().catch((error) => {
      this.seeding = undefined;
      throw error;
    });
    return this.seeding;
  }

  async transfer(request: TransferRequest): Promise<TransferRequestResult> {
    return this.call('transfer', async () => {
      if (!request.authCode.trim()) throw new RegistrarError('auth_code_invalid', `No auth code was given for ${request.domain}.`, { rawCode: 2202 });
      const transfer = await this.registry.requestTransfer(request.domain, this.registry.registrarId, {
        authCode: request.authCode,
        periodYears: request.periodYears,
      });
      this.logger.info({ domain: transfer.domain, reference: transfer.reference }, 'sandbox registry accepted a transfer-in request');
      return { kind: 'pending', reference: transfer.reference, actionDate: transfer.actionDate };
    }, request.domain);
  }

  async getTransferStatus(domain: string, reference?: string): Promise<TransferStatus> {
    return this.call('getTransferStatus', async () => {
      const transfer = await this.registry.findTransfer(domain, this.registry.registrarId, reference);
      if (!transfer) {
        throw new RegistrarError('not_found', `The registry has no transfer of ${domain.toLowerCase()} to you on record.`, { rawCode: 2303 });
      }
      if (transfer.status === 'pending') {
        return { kind: 'pending', reference: transfer.reference, requestedAt: transfer.requestedAt, actionDate: transfer.actionDate };
      }
      if (transfer.status === 'completed') {
        // A renewal after the transfer moves the expiry on; report what the registry holds now.
        const current = await this.registry.getDomain(domain);
        const expiryDate = current?.sponsoredByUs ? current.expiresAt : transfer.expiryAfter!;
        return { kind: 'completed', expiryDate };
      }
      return { kind: 'rejected', reason: transfer.reason ?? `The transfer was ${transfer.status}.` };
    }, domain);
  }

  async getDomainInfo(domain: string): Promise<DomainInfo> {
    return this.call('getDomainInfo', async () => toDomainInfo(await this.requireDomain(domain)), domain);
  }

  async getEppCode(domain: string): Promise<EppCodeResult> {
    return this.call('getEppCode', async () => {
      const { code, domain: info } = await this.registry.setAuthCode(domain);
      this.logger.info({ domain: info.name, emailed: this.options.emailEppCodes }, 'sandbox registry set a fresh auth code');
      if (this.options.emailEppCodes) return { kind: 'emailed', to: info.registrantEmail ?? `the registrant of ${info.name}` };
      return { kind: 'code', code };
    }, domain);
  }

  async clearEppCode(domain: string): Promise<void> {
    return this.call('clearEppCode', () => this.registry.clearAuthCode(domain), domain);
  }

  async setLock(domain: string, locked: boolean): Promise<void> {
    return this.call('setLock', () => this.registry.setClientLock(domain, locked), domain);
  }

  async getLock(domain: string): Promise<boolean> {
    return this.call('getLock', async () => (await this.registry.requireOurs(domain)).statuses.includes('clientTransferProhibited'), domain);
  }

  async cancelTransferOut(domain: string): Promise<void> {
    return this.call('cancelTransferOut', async () => {
      await this.requirePendingOut(domain);
      await this.registry.cancelPendingTransfer(domain, `Cancelled by the sponsoring registrar (${this.registry.registrarId}).`);
    }, domain);
  }

  async approveTransferOut(domain: string): Promise<void> {
    return this.call('approveTransferOut', async () => {
      await this.requirePendingOut(domain);
      await this.registry.approvePendingTransfer(domain);
    }, domain);
  }

  async rejectTransferOut(domain: string, reason: string): Promise<void> {
    return this.call('rejectTransferOut', async () => {
      await this.requirePendingOut(domain);
      await this.registry.rejectPendingTransfer(domain, reason);
    }, domain);
  }

  async poll(): Promise<RegistryTransferEvent[]> {
    return this.call('poll', async () => {
      const messages = await this.registry.readMessages();
      return messages.map((m) => ({
        kind: 'transfer' as const,
        domain: m.domain,
        direction: m.direction,
        status: m.status,
        ack: () => this.registry.ackMessage(m.id),
      }));
    });
  }

  /**
   * An injected fault first, then a random transient failure, then the operation. `latencyMs`
   * is the registry's whole response time, as a client sees it: the registry works during it,
   * and the answer arrives when it is over (never sooner).
   */
  private async call<T>(operation: string, run: () => Promise<T>, domain?: string): Promise<T> {
    await this.init();
    const { latencyMs, latencyJitterMs, transientErrorRate } = this.options;
    const delay = Math.max(0, Math.round(latencyMs + (Math.random() * 2 - 1) * latencyJitterMs));
    const elapsed = delay > 0 ? new Promise((resolve) => setTimeout(resolve, delay)) : Promise.resolve();
    try {
      const fault = await this.registry.takeFault(operation, domain);
      if (fault?.kind === 'error') throw new RegistrarError(fault.errorCode, `Injected fault: the sandbox registry failed ${operation} with ${fault.errorCode}.`, { rawCode: 'injected' });
      // A call that never answers: the registry never saw it, and the caller's timeout decides.
      if (fault?.kind === 'hang') return await new Promise<never>(() => {});
      if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (transientErrorRate > 0 && Math.random() < transientErrorRate) {
        throw new RegistrarError('transient', `The sandbox registry is temporarily unavailable (simulated, ${operation}); try again.`, { rawCode: 2400 });
      }
      const result = await run();
      // The registry did it; the answer is lost on the way back.
      if (fault?.kind === 'drop') throw new RegistrarError('transient', `Injected fault: the connection dropped before the answer to ${operation} arrived.`, { rawCode: 'injected' });
      return result;
    } finally {
      await elapsed;
    }
  }

  private async requireDomain(domain: string): Promise<SandboxDomain> {
    const found = await this.registry.getDomain(domain);
    if (!found) throw new RegistrarError('not_found', `${domain.toLowerCase()} is not registered at this registry.`, { rawCode: 2303 });
    return found;
  }

  private async requirePendingOut(domain: string): Promise<void> {
    const ours = await this.registry.requireOurs(domain);
    if (!ours.pendingTransfer || ours.pendingTransfer.losingRegistrar !== this.registry.registrarId) {
      throw new RegistrarError('not_found', `No transfer-out of ${ours.name} is pending.`, { rawCode: 2301 });
    }
  }
}

function toDomainInfo(domain: SandboxDomain): DomainInfo {
  const pending = domain.pendingTransfer;
  return {
    domain: domain.name,
    sponsoredByUs: domain.sponsoredByUs,
    registrar: domain.sponsor,
    statuses: domain.statuses,
    createdAt: domain.createdAt,
    expiresAt: domain.expiresAt,
    lastTransferredAt: domain.lastTransferredAt ?? undefined,
    lastRenewedAt: domain.lastRenewedAt ?? undefined,
    // Contact data of another registrar's domain is not public (as in RDAP after GDPR).
    registrantEmail: domain.sponsoredByUs ? (domain.registrantEmail ?? undefined) : undefined,
    pendingTransferOut:
      domain.sponsoredByUs && pending
        ? { gainingRegistrar: pending.gainingRegistrar, requestedAt: pending.requestedAt, actionDate: pending.actionDate }
        : undefined,
  };
}
