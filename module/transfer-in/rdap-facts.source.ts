import fs from 'node:fs';
import { lookup, type BootstrapData } from 'rdapper';
import { RegistrarError, type DomainInfo } from '../../registrar-adapters/types.ts';
import type { RegistryFactsSource } from './transfer-eligibility.service.ts';

export interface RdapOptions {
  timeoutMs: number;
  /** IANA's RDAP bootstrap (dns.json) from a file, so lookups need no extra request and tests run offline. */
  bootstrapFile?: string;
  /** Replaces global fetch (tests, proxies, caches). */
  fetch?: typeof fetch;
}

/** RFC 9083 statuses are words ("client transfer prohibited"); rules speak EPP ("clientTransferProhibited"). */
export function eppStatus(status: string): string {
  const words = status.trim().split(/[\s_-]+/).filter(Boolean);
  if (words.length === 1) return words[0]!;
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('');
}

function date(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

/**
 * Public registry facts over RDAP, for registrars that cannot tell us about a domain held
 * elsewhere (e.g. the manual adapter). RDAP only, never WHOIS: its answers are structured.
 */
export function createRdapFactsSource(options: RdapOptions): RegistryFactsSource {
  let bootstrap: BootstrapData | undefined;
  const bootstrapData = () => {
    if (!options.bootstrapFile) return undefined;
    bootstrap ??= JSON.parse(fs.readFileSync(options.bootstrapFile, 'utf8')) as BootstrapData;
    return bootstrap;
  };
  return {
    async lookup(domain: string): Promise<DomainInfo | null> {
      const result = await lookup(domain, {
        rdapOnly: true,
        timeoutMs: options.timeoutMs,
        deadlineMs: options.timeoutMs * 3,
        customBootstrapData: bootstrapData(),
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
