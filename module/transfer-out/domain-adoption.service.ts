import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../host-context.ts';
import { ConflictError, InputError } from '../errors.ts';
import { createActiveDomain } from '../domains/domain-status.machine.ts';
import { normalizeDomain } from '../transfer-in/domain-name.ts';
import { isUniqueViolation } from '../transfer-in/transfer-order.service.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';

export interface AdoptDomainInput {
  /** The domain, as typed or ASCII; it is normalised to lower-case punycode. */
  domain: string;
  clientId: string;
  /** A configured registrar id; defaults to the one tldRouting picks for the domain. */
  registrarId?: string;
  /** Defaults to what the registrar reports, when it can say. */
  expiryDate?: Date | null;
  /** Who adopted it, for the history row; default `import`. */
  actor?: string;
}

export interface AdoptedDomain {
  id: number;
  domain: string;
  /** false when the client already had it active here: adopting twice is a no-op. */
  created: boolean;
}

/**
 * Takes a domain we already sponsor (registered through the host, or imported) under the
 * module's management as `active`, so its owner can lock, unlock and transfer it out.
 */
export async function adoptDomain(
  deps: { knex: Knex; clock: Clock; logger: Logger; registrars: RegistrarRegistry },
  input: AdoptDomainInput,
): Promise<AdoptedDomain> {
  const { domain } = normalizeDomain(input.domain);
  const clientId = String(input.clientId ?? '').trim();
  if (!clientId) throw new InputError('transfer_out:errors.client_required', {}, 'clientId');
  const registrarId = input.registrarId ?? deps.registrars.routeFor(domain);
  if (!registrarId || !deps.registrars.get(registrarId)) throw new InputError('rules:tld_not_offered', { tld: domain.split('.').slice(1).join('.') }, 'registrarId');

  const existing = await existingFor(deps.knex, domain, clientId);
  if (existing) return existing;

  let expiryDate = input.expiryDate;
  if (expiryDate === undefined) {
    try {
      expiryDate = (await deps.registrars.get(registrarId)!.getDomainInfo(domain)).expiresAt ?? null;
    } catch (error) {
      // The expiry is a convenience here; the status sync fills it in later.
      deps.logger.warn({ domain, registrar: registrarId, err: (error as Error).message }, 'adopting a domain without its expiry date');
      expiryDate = null;
    }
  }
  const now = deps.clock.now();
  try {
    const id = await deps.knex.transaction((trx) =>
      createActiveDomain(trx, { domain, clientId, registrarId, expiryDate }, 'import', input.actor ?? 'import', now),
    );
    deps.logger.info({ domain, registrar: registrarId, clientId }, 'domain adopted as active');
    return { id, domain, created: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // Adopted concurrently: the same outcome as if it had been there before.
    const raced = await existingFor(deps.knex, domain, clientId);
    if (raced) return raced;
    throw new ConflictError('rules:already_managed', { domain });
  }
}

async function existingFor(knex: Knex, domain: string, clientId: string): Promise<AdoptedDomain | null> {
  const row = await knex('dt_domains').where({ domain }).first('id', 'client_id', 'status');
  if (!row) return null;
  if (row.client_id === clientId && row.status === 'active') return { id: Number(row.id), domain, created: false };
  throw new ConflictError('rules:already_managed', { domain });
}
