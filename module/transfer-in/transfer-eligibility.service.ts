import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../host-context.ts';
import type { ModuleConfig } from '../config.ts';
import { AppError, ConflictError, InputError } from '../errors.ts';
import { unmetTransferRules, type UnmetRule } from '../domains/transfer-rules.ts';
import type { RegistrarRegistry } from '../../registrar-adapters/registry.ts';
import { isRegistrarError, type DomainInfo, type RegistrarAdapter } from '../../registrar-adapters/types.ts';
import { toUnicode, type NormalizedDomain } from './domain-name.ts';

/** The transfer cannot happen; `reasons` lists every unmet rule, each with its own message. */
export class TransferRefusedError extends AppError {
  readonly reasons: UnmetRule[];
  constructor(reasons: UnmetRule[]) {
    // Made only with at least one unmet rule; the first is the headline.
    const first = reasons[0]!;
    super(422, `rules:${first.rule}`, first.params, { field: 'domain' });
    this.name = 'TransferRefusedError';
    this.reasons = reasons;
  }
}

/** Registry facts from a source other than the registrar (RDAP), for adapters that cannot say. */
export interface RegistryFactsSource {
  lookup(domain: string): Promise<DomainInfo | null>;
}

/** Order states in which a transfer is still open (money taken or about to be). */
export const OPEN_ORDER_STATUSES = ['awaiting_payment', 'queued', 'failed'] as const;

/** Who holds a name here: the client of its open order, or of its pending or active (`managed`) domain. */
export type OpenHolders = Map<string, { clientId: string; managed: boolean }>;

/** Refuses a name someone holds. Another client's order or domain is not revealed: they hear only that it cannot be ordered now. */
export function refuseHeld(name: Pick<NormalizedDomain, 'domain' | 'unicode'>, clientId: string, holder: { clientId: string; managed: boolean } | undefined): void {
  if (!holder) return;
  if (holder.clientId !== clientId) throw new ConflictError('rules:not_available', { domain: name.unicode });
  throw new ConflictError(holder.managed ? 'rules:already_managed' : 'rules:open_transfer_exists', { domain: name.unicode });
}

export interface TransferQuote {
  domain: string;
  registrarId: string;
  adapter: RegistrarAdapter;
  amountMinor: number;
  currency: string;
  suffix: string;
}

/**
 * Everything that must hold before we invoice anyone: the TLD is routed and priced, no
 * transfer is already open here, and the registry's facts allow a transfer now.
 */
export class TransferEligibility {
  constructor(
    private readonly deps: {
      knex: Knex;
      config: ModuleConfig;
      registrars: RegistrarRegistry;
      clock: Clock;
      logger: Logger;
      factsSource?: RegistryFactsSource;
    },
  ) {}

  /** Transfer fee per TLD, in minor units, for TLDs that are routed. */
  prices(): Record<string, number> {
    return { ...this.deps.config.pricing.transferFee };
  }

  currency(): string {
    return this.deps.config.pricing.currency;
  }

  quote(name: NormalizedDomain): TransferQuote {
    const routed = this.deps.registrars.adapterFor(name.domain);
    const suffix = routed ? this.routedSuffix(name.domain) : name.suffix;
    if (!routed) throw new InputError('rules:tld_not_offered', { tld: name.suffix }, 'domain');
    const amountMinor = this.deps.config.pricing.transferFee[suffix];
    if (amountMinor === undefined) throw new InputError('rules:tld_not_priced', { tld: suffix }, 'domain');
    return { domain: name.domain, registrarId: routed.id, adapter: routed.adapter, amountMinor, currency: this.deps.config.pricing.currency, suffix };
  }

  /** For `clientId`'s order: only their own open order or domain is named to them. */
  async check(name: NormalizedDomain, clientId: string, holders?: OpenHolders): Promise<TransferQuote> {
    const quote = this.quote(name);
    // A bulk check has looked up a whole page of names at once (openHolders).
    if (holders) refuseHeld(name, clientId, holders.get(name.domain));
    else await this.assertNoOpenTransfer(name, clientId);
    const facts = await this.facts(quote);
    if (facts) {
      if (facts.sponsoredByUs) throw new ConflictError('rules:already_ours', { domain: name.unicode });
      const unmet = unmetTransferRules(facts, this.deps.config.eligibility, this.deps.clock.now(), 'in');
      if (unmet.length) throw new TransferRefusedError(unmet);
    }
    return quote;
  }

  /**
   * Refuses a domain with an open order or under management. Another client's order or domain
   * is not revealed: they are told only that it cannot be ordered now.
   */
  async assertNoOpenTransfer(name: Pick<NormalizedDomain, 'domain' | 'unicode'>, clientId: string): Promise<void> {
    refuseHeld(name, clientId, (await this.openHolders([name.domain])).get(name.domain));
  }

  /**
   * Who holds each of `names` here: an open order, else a pending or active domain. Two
   * queries however many names (a bulk check asks for a page at a time).
   */
  async openHolders(names: readonly string[]): Promise<OpenHolders> {
    const holders: OpenHolders = new Map();
    if (!names.length) return holders;
    const orders: Array<{ domain: string; client_id: string }> = await this.deps.knex('dt_transfer_orders').whereIn('domain', names).whereIn('status', OPEN_ORDER_STATUSES).select('domain', 'client_id');
    for (const order of orders) holders.set(order.domain, { clientId: order.client_id, managed: false });
    const rest = names.filter((name) => !holders.has(name));
    if (rest.length) {
      const domains: Array<{ domain: string; client_id: string; status: string }> = await this.deps.knex('dt_domains').whereIn('domain', rest).whereIn('status', ['pending', 'active']).select('domain', 'client_id', 'status');
      for (const domain of domains) holders.set(domain.domain, { clientId: domain.client_id, managed: domain.status === 'active' });
    }
    return holders;
  }

  private routedSuffix(domain: string): string {
    const id = this.deps.registrars.routeFor(domain);
    const labels = domain.split('.');
    for (let i = 1; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.');
      if (this.deps.config.tldRouting[suffix] === id) return suffix;
    }
    return labels[labels.length - 1]!;
  }

  /** Registry facts from the adapter, else RDAP when enabled; null when nobody can say. */
  private async facts(quote: TransferQuote): Promise<DomainInfo | null> {
    try {
      return await quote.adapter.getDomainInfo(quote.domain);
    } catch (error) {
      if (!isRegistrarError(error) || error.code !== 'unsupported') return this.refusalFor(error, quote);
    }
    if (!this.deps.factsSource) return null;
    try {
      return await this.deps.factsSource.lookup(quote.domain);
    } catch (error) {
      return this.refusalFor(error, quote);
    }
  }

  private refusalFor(error: unknown, quote: TransferQuote): never {
    if (!isRegistrarError(error)) throw error;
    if (error.code === 'not_found') throw new InputError('rules:not_registered', { domain: toUnicode(quote.domain) }, 'domain');
    if (error.code === 'transient' || error.code === 'rate_limited') {
      this.deps.logger.warn({ domain: quote.domain, registrar: quote.registrarId, error: error.registrarMessage }, 'registry facts unavailable');
      throw new AppError(424, 'rules:registry_unreachable', {});
    }
    throw new InputError('rules:registry_refused', { message: error.registrarMessage }, 'domain');
  }
}
