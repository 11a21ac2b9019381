// A strict TypeScript platform type-checked against the package's shipped declarations only.
import type { Request } from 'express';
import { createDomainTransferModule, createEventBus, type BillingPort, type DomainTransferModule, type HostContext, type Principal, type TransferRequestedEvent, type TransferCancelledEvent, type DomainTransferEvents } from 'domain-transfers';
import { RegistrarError, isRegistrarError, type RegistrarAdapter, type RegistrarAdapterFactory, type TransferStatus } from 'domain-transfers/registrar-adapters';
import { describeAdapterContract, type AdapterContractFixture } from 'domain-transfers/testing';

declare const context: Omit<HostContext, 'auth' | 'events'>;
declare const billing: BillingPort;

const auth = async (req: Request): Promise<Principal | null> => (req.headers['x-user'] ? { kind: 'admin', adminId: '1', sessionId: 's-123456789', permissions: ['jobs.view'] } : null);
const events = createEventBus();
events.on('domain.transfer.requested', (event: TransferRequestedEvent) => {
  const ids: Array<string | null> = [event.orderId, event.orderItemId, event.invoiceId];
  return ids.length + event.eventId.length;
});
events.on('domain.transfer.cancelled', (event: TransferCancelledEvent) => (event.paid ? event.cancelledBy : 'unpaid'));
const name: keyof DomainTransferEvents = 'domain.transferred_away';

const module: DomainTransferModule = createDomainTransferModule({ ...context, billing, auth, events }, { ui: { mountPaths: { client: '/portal/client' } } });
const worker = module.createWorker({ concurrency: 2 });
void worker.runUntilIdle().then((n: number) => n + 1);
void module.runSync({ domain: 'example.com' }).then((run) => run.summary?.checked);

class MyAdapter implements RegistrarAdapter {
  readonly id = 'mine';
  readonly label = 'Mine';
  async transfer(): Promise<never> {
    throw new RegistrarError('auth_code_invalid', 'wrong code', { rawCode: 2202 });
  }
  async getTransferStatus(): Promise<TransferStatus> {
    return { kind: 'pending' };
  }
  async getDomainInfo(domain: string) {
    return { domain, sponsoredByUs: false, registrar: 'x', statuses: ['ok'] };
  }
  async getEppCode() {
    return { kind: 'emailed' as const, to: 'r***@example.net' };
  }
  async setLock(): Promise<void> {}
  async getLock(): Promise<boolean> {
    return true;
  }
}
const factory: RegistrarAdapterFactory<{ apiKeyEnv: string }> = { type: 'mine', optionsSchema: {}, create: () => new MyAdapter() };
const fixture = {} as AdapterContractFixture;
export const checks = [name, factory.type, isRegistrarError(new Error('x')), typeof describeAdapterContract, fixture];
