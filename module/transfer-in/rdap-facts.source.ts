import fs from 'node:fs';
import { lookup, type BootstrapData } from 'rdapper';
import { RegistrarError, type DomainInfo } from '../../registrar-adapters/types.ts';
import type { RegistryFactsSource } from './transfer-eligibility.service.ts';

const IANA_BOOTSTRAP_URL = 'https://data.iana.org/rdap/dns.json';
const IANA_BOOTSTRAP_KEPT_MS = 24 * 60 * 60 * 1000;

export interface RdapOptions {
  timeoutMs: number;
  /** IANA's RDAP bootstrap (dns.json) from a file, so lookups need no extra request and tests run offline; without it, IANA's is fetched and kept a day. */
  bootstrapFile?: string;
  /** Replaces global fetch (tests, proxies, caches). */
  fetch?: typeof fetch;
}

/** RFC 9083 statuses are words ("client transfer prohibited"); rules speak EPP ("clientTransferProhibited"). */
export function eppStatus(status: string): string {
  const words = status.split(/[\s_-]/).filter(Boolean);
  if (words.length === 1) return words[0]!;
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('');
}

function date(value: string | undefined): Date | undefined {
  // A missing or unreadable date is no date.
  const parsed = new Date(String(value));
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

/**
 * Public registry facts over RDAP, for registrars that cannot tell us about a domain held
 * elsewhere (e.g. the manual adapter). RDAP only, never WHOIS: its answers are structured.
 */
export function createRdapFactsSource(options: RdapOptions): RegistryFactsSource {
  let kept: { data: BootstrapData; at: number } | undefined;
  const bootstrapData = async (): Promise<BootstrapData> => {
    if (options.bootstrapFile) {
      kept ??= { data: JSON.parse(fs.readFileSync(options.bootstrapFile, 'utf8')) as BootstrapData, at: Date.now() };
      return kept.data;
    }
    // IANA's list changes a few times a year: one request a day, not one per lookup.
    if (kept && Date.now() - kept.at < IANA_BOOTSTRAP_KEPT_MS) return kept.data;
    const response = await (options.fetch ?? fetch)(IANA_BOOTSTRAP_URL, { signal: AbortSignal.timeout(options.timeoutMs) });
    if (!response.ok) throw new Error(`${IANA_BOOTSTRAP_URL} answered ${response.status}`);
    kept = { data: (await response.json()) as BootstrapData, at: Date.now() };
    return kept.data;
  };
  return {
    async lookup(domain: string): Promise<DomainInfo | null> {
      let customBootstrapData: BootstrapData;
      try {
        customBootstrapData = await bootstrapData();
      } catch (error) {
        throw new RegistrarError('transient', `RDAP lookup of ${domain} failed: no RDAP bootstrap (${(error as Error).message})`, { cause: error });
      }
      const result = await lookup(domain, {
        rdapOnly: true,
        timeoutMs: options.timeoutMs,
        deadlineMs: options.timeoutMs * 3,
        customBootstrapData,
        customFetch: options.fetch,
      });
      if (!result.ok || !result.record) {
        throw new RegistrarError('transient', `RDAP lookup of ${domain} failed: ${result.error ?? 'no answer'}`);
      }
      const record = result.record;
      if (!record.isRegistered) throw new RegistrarError('not_found', `RDAP: ${domain} is not registered`);
      return {
        domain,
        sponsoredByUs: false,
        registrar: record.registrar?.name ?? record.registrar?.ianaId ?? 'unknown',
        statuses: (record.statuses ?? []).map((s) => eppStatus(s.status)),
        createdAt: date(record.creationDate),
        expiresAt: date(record.expirationDate),
      };
    },
  };
}
