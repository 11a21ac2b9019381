import type { Knex } from 'knex';
import type { Clock } from '../host-context.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import { isRegistrarError } from '../../registrar-adapters/types.ts';
import { AppError, ConflictError, NotFoundError, RateLimitedError } from '../errors.ts';
import { writeProvisioningLog } from '../domains/provisioning-log.ts';

/** One email asked for per domain in this long: each is a call to the registrar and a message in someone's inbox. */
const RESEND_EVERY_MS = 5 * 60_000;

/**
 * Asks the registrar to send the registrant its transfer-in confirmation email again, for a
 * pending transfer that waits on it (`awaiting = 'registrant_email'`). The domain's own client
 * or an admin may ask; the registrar decides how often it really sends.
 */
export async function resendRegistrantEmail(deps: { knex: Knex; clock: Clock; registrars: RegistrarRegistry }, principal: { kind: 'client'; clientId: string } | { kind: 'admin' }, domain: string): Promise<void> {
  const row = await deps.knex('dt_domains').where({ domain }).first('id', 'client_id', 'registrar_id', 'status', 'awaiting');
  if (!row || (principal.kind === 'client' && row.client_id !== principal.clientId)) throw new NotFoundError();
  const adapter = deps.registrars.get(row.registrar_id);
  if (row.status !== 'pending' || row.awaiting !== 'registrant_email' || !adapter?.resendTransferEmail) throw new ConflictError('domains:detail.email_not_awaited', { domain });
  const now = deps.clock.now().getTime();
  const last = await deps.knex('dt_provisioning_log').where({ domain, action: 'transfer.resend_email', outcome: 'ok' }).orderBy('id', 'desc').first('created_at');
  if (last && now - Number(last.created_at) < RESEND_EVERY_MS) throw new RateLimitedError('domains:detail.email_resent_recently', (Number(last.created_at) + RESEND_EVERY_MS - now) / 1000);
  try {
    await adapter.resendTransferEmail(domain);
  } catch (error) {
    if (!isRegistrarError(error)) throw error;
    throw new AppError(error.retryable ? 503 : 409, 'domains:detail.email_not_resent', { message: error.registrarMessage.slice(0, 300) });
  }
  await writeProvisioningLog(deps.knex, { domain, transferOrderId: null, registrarId: row.registrar_id, action: 'transfer.resend_email', outcome: 'ok', message: `asked by ${principal.kind === 'admin' ? 'an admin' : 'the client'}` }, deps.clock.now());
}
