import type { Knex } from 'knex';
import type { BillingPort, ClientProfile } from '../host-context.ts';
import { Batcher } from '../jobs/batcher.ts';
import type { TransferOrderRow } from './transfer-order.service.ts';

export interface TransferWork {
  order: TransferOrderRow | undefined;
  /** The ordering client's profile (contacts, locale); null when the host no longer has it. */
  client: ClientProfile | null;
  /**
   * Whether a domains row already had this name (an earlier attempt, a domain that left):
   * recording the outcome then takes the careful path instead of a plain insert.
   */
  domainRowExists: boolean;
}

/** A job's reference to its work; `clientId` (from the job payload) lets both reads start at once. */
export interface TransferWorkRef {
  transferOrderId: number;
  clientId?: string;
}

/**
 * What a TransferDomainJob starts from: its order (with whether its domain has a row) and the
 * client's profile. Jobs claimed together read theirs together: one query for the orders and,
 * at the same time, one call to the host for the clients.
 */
export function createTransferWorkLoader(knex: Knex, billing: BillingPort): Batcher<TransferWorkRef, TransferWork> {
  return new Batcher<TransferWorkRef, TransferWork>(
    async (refs) => {
      const readOrders = knex('dt_transfer_orders as o')
        .leftJoin('dt_domains as d', 'd.domain', 'o.domain')
        .whereIn('o.id', [...new Set(refs.map((r) => r.transferOrderId))])
        .select('o.*', 'd.id as domain_row_id') as Promise<Array<TransferOrderRow & { domain_row_id: number | null }>>;
      const known = refs.map((r) => r.clientId).filter((id): id is string => id !== undefined);
      const [rows, clients] = await Promise.all([readOrders, readClients(billing, known)]);
      // A client the payload did not name (or named wrongly) is read now.
      const missing = rows.map((row) => row.client_id).filter((id) => !clients.has(id));
      for (const [id, profile] of await readClients(billing, missing)) clients.set(id, profile);
      const orders = new Map(rows.map(({ domain_row_id, ...order }) => [Number(order.id), { order, domainRowExists: domain_row_id !== null }]));
      return refs.map((ref) => {
        const found = orders.get(ref.transferOrderId);
        if (!found) return { order: undefined, client: null, domainRowExists: false };
        return { order: found.order, client: clients.get(found.order.client_id) ?? null, domainRowExists: found.domainRowExists };
      });
    },
    { maxBatch: 500 },
  );
}

/** Clients by id; one the host does not know maps to null, so it is not asked for again. */
async function readClients(billing: BillingPort, ids: string[]): Promise<Map<string, ClientProfile | null>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const found: Map<string, ClientProfile | null> = billing.getClients
    ? await billing.getClients(unique)
    : new Map(await Promise.all(unique.map(async (id) => [id, await billing.getClient(id)] as const)));
  for (const id of unique) if (!found.has(id)) found.set(id, null);
  return found;
}
