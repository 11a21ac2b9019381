import type { Knex } from 'knex';
import { Batcher } from '../../module/jobs/batcher.ts';
import { normalizeRow, type DomainRow, type TransferRow } from './sandbox.rules.ts';
import { DOMAINS, TRANSFERS } from './sandbox.transfers.ts';

/** Names per read: well under every engine's limit on bound parameters. */
const NAMES_PER_READ = 500;

export interface TransferLookup {
  domain: string;
  gaining: string;
  /** The transfer a reference names; without it, the latest one to `gaining`. */
  id?: number;
}

/**
 * The registry's lookups by name. Queries that arrive together (a sync checking a hundred
 * domains at once) are answered by one read, as a registry server answers concurrent clients
 * from one index scan; each caller still sees the rows as they are once it has asked, never
 * older. Without this, the sandbox's own reads would cost the process running it more than
 * the module it stands in for.
 */
export class SandboxReads {
  private readonly domains: Batcher<string, DomainRow | undefined>;
  private readonly transfers: Batcher<TransferLookup, TransferRow | undefined>;

  constructor(knex: Knex) {
    this.domains = new Batcher(
      async (names) => {
        const rows: DomainRow[] = await knex(DOMAINS).whereIn('name', [...new Set(names)]).select();
        const byName = new Map(rows.map((r) => [r.name, normalizeRow(r)]));
        return names.map((name) => byName.get(name));
      },
      { maxBatch: NAMES_PER_READ, maxInFlight: 1 },
    );
    this.transfers = new Batcher(
      async (lookups) => {
        const rows: TransferRow[] = await knex(TRANSFERS).whereIn('domain', [...new Set(lookups.map((l) => l.domain))]).select();
        const byDomain = new Map<string, TransferRow[]>();
        for (const raw of rows) {
          const row = normalizeRow(raw)!;
          const list = byDomain.get(row.domain);
          if (list) list.push(row);
          else byDomain.set(row.domain, [row]);
        }
        return lookups.map(({ domain, gaining, id }) => {
          const matching = (byDomain.get(domain) ?? []).filter((t) => t.gaining_registrar === gaining && (id === undefined || t.id === id));
          return matching.reduce<TransferRow | undefined>((latest, t) => (latest && latest.id > t.id ? latest : t), undefined);
        });
      },
      { maxBatch: NAMES_PER_READ, maxInFlight: 1 },
    );
  }

  /** The domain's row by its lower-case name. */
  domain(name: string): Promise<DomainRow | undefined> {
    return this.domains.submit(name);
  }

  /** The latest transfer of `domain` to `gaining` (the one `id` names, when given). */
  transfer(lookup: TransferLookup): Promise<TransferRow | undefined> {
    return this.transfers.submit(lookup);
  }
}
