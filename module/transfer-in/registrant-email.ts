import type { Knex } from 'knex';
import type { Clock } from '../host-context.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import { isRegistrarError } from '../../registrar-adapters/types.ts';
import { AppError, ConflictError, NotFoundError } from '../errors.ts';
import { writeProvisioningLog } from '../domains/provisioning-log.ts';

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
  try {
    await adapter.resendTransferEmail(domain);
  } catch (error) {
    if (!isRegistrarError(error)) throw error;
    throw new AppError(error.retryable ? 503 : 409, 'domains:detail.email_not_resent', { message: error.registrarMessage.slice(0, 300) });
  }
  await writeProvisioningLog(deps.knex, { domain, transferOrderId: null, registrarId: row.registrar_id, action: 'transfer.resend_email', outcome: 'ok', message: `asked by ${principal.kind === 'admin' ? 'an admin' : 'the client'}` }, deps.clock.now());
}
