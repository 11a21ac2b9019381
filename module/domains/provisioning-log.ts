import type { Knex } from 'knex';

export interface ProvisioningEntry {
  domain: string;
  transferOrderId?: number | null;
  registrarId?: string | null;
  /** What was attempted, e.g. `transfer.request`, `transfer.confirm`. */
  action: string;
  outcome: 'ok' | 'failed' | 'retry';
  /** The registrar's own words where there are some. Never a secret. */
  message?: string | null;
}

/** The admin-visible record of every registrar call made for a domain. */
export async function writeProvisioningLog(db: Knex | Knex.Transaction, entry: ProvisioningEntry, at: Date): Promise<void> {
  await db('dt_provisioning_log').insert({
    domain: entry.domain,
    transfer_order_id: entry.transferOrderId ?? null,
    registrar_id: entry.registrarId ?? null,
    action: entry.action,
    outcome: entry.outcome,
    message: entry.message?.slice(0, 4000) ?? null,
    created_at: at.getTime(),
  });
}
