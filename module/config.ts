import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from './package-root.ts';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { RegistrarAdapterFactory } from '../registrar-adapters/types.ts';
import { applyPolicyProfile, type PolicyProfile } from './policy-profiles.ts';

const MANIFEST_PATH = path.join(PACKAGE_ROOT, 'module.manifest.json');

export interface ModuleManifest {
  name: string;
  version: string;
  configSchema: object;
  [key: string]: unknown;
}

export const manifest: ModuleManifest = JSON.parse(fs.readFileSync(MANIFEST_PATH, 'utf8'));

export interface RegistrarConfig {
  adapter: string;
  label?: string;
  options: Record<string, unknown>;
}

export interface ModuleConfig {
  registrarId: string;
  baseUrl: string;
  encryptionKey: string;
  defaultLocale: string;
  displayTimeZone: string;
  registrars: Record<string, RegistrarConfig>;
  tldRouting: Record<string, string>;
  pricing: { currency: string; transferFee: Record<string, number> };
  eligibility: {
    daysAfterRegistration: number;
    daysAfterTransfer: number;
    daysBeforeExpiry: number;
    daysAfterRenewal: number;
  };
  rdap: { enabled: boolean; timeoutMs: number; bootstrapFile?: string };
  jobs: {
    runInHost: boolean;
    concurrency: number;
    maxAttempts: number;
    backoffBaseMs: number;
    backoffCapMs: number;
    leaseMs: number;
    pollIntervalMs: number;
    /** A transfer request with no answer by then ends its attempt; the next confirms by query. */
    registrarCallTimeoutMs: number;
  };
  sync: {
    enabled: boolean;
    schedule: string;
    timezone: string;
    pendingCheckMinutes: number;
    batchSize: number;
    concurrencyPerRegistrar: number;
    ratePerSecondPerRegistrar: number;
    callTimeoutMs: number;
    callRetries: number;
    /** First retry delay; doubled on each further attempt, with jitter. */
    retryBackoffMs: number;
    /** Consecutive transient failures (after retries) before a registrar is skipped for the run. */
    breakerThreshold: number;
    leaseSeconds: number;
    /** A transfer pending longer than this is listed as stuck on the admin dashboard. */
    stuckAfterDays: number;
  };
  transferOut: { eppCodeRequestsPerHour: number; codeTtlHours: number };
  policy: { profile: PolicyProfile; codeIssuedNotice: boolean };
  billing: { onPaidTransferEnded: 'credit' | 'admin_decides' };
  orders: { unpaidExpiryDays: number; abandonFailedAfterDays: number };
  transferIn: { codeResubmissionsPerOrder: number };
  bulk: { maxRows: number; maxBytes: number; checkConcurrency: number; previewTtlMinutes: number; maxActionDomains: number; actionConcurrency: number };
  api: { requestsPerMinute: number };
}

/** A configuration problem. `key` is the dotted path of the offending key. */
export class ConfigError extends Error {
  readonly key: string;
  readonly problems: Array<{ key: string; message: string }>;
  constructor(problems: Array<{ key: string; message: string }>) {
    super(problems.map((p) => `config key "${p.key}": ${p.message}`).join('; '));
    this.name = 'ConfigError';
    this.problems = problems;
    this.key = problems[0]?.key ?? '';
  }
}

const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true });
let validateModuleConfig: ValidateFunction | undefined;
const optionValidators = new Map<string, ValidateFunction>();

function jsonPointerToKey(prefix: string, pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return [prefix, ...parts].filter(Boolean).join('.');
}

export function describeAjvErrors(prefix: string, errors: ErrorObject[] | null | undefined) {
  return (errors ?? []).map((error) => {
    const base = jsonPointerToKey(prefix, error.instancePath);
    if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      return { key: base ? `${base}.${extra}` : extra, message: 'is not a known setting' };
    }
    if (error.keyword === 'required') {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return { key: base ? `${base}.${missing}` : missing, message: 'is required' };
    }
    if (error.keyword === 'propertyNames') {
      const name = (error.params as { propertyName: string }).propertyName;
      return { key: base ? `${base}.${name}` : name, message: 'is not a valid name' };
    }
    return { key: base || prefix || '(root)', message: error.message ?? 'is invalid' };
  });
}

/**
 * Validates raw options against the manifest schema and every adapter's options schema,
 * and returns a new resolved object with defaults filled. The input is never mutated.
 */
export function resolveConfig(raw: unknown, factories: ReadonlyMap<string, RegistrarAdapterFactory>): ModuleConfig {
  validateModuleConfig ??= ajv.compile(manifest.configSchema);
  const candidate = structuredClone(raw ?? {}) as Record<string, unknown>;
  if (!validateModuleConfig(candidate)) {
    throw new ConfigError(dedupe(describeAjvErrors('', validateModuleConfig.errors)));
  }
  const config = candidate as unknown as ModuleConfig;
  applyPolicyProfile(config);
  const problems: Array<{ key: string; message: string }> = [];

  for (const [id, registrar] of Object.entries(config.registrars)) {
    const factory = factories.get(registrar.adapter);
    if (!factory) {
      problems.push({
        key: `registrars.${id}.adapter`,
        message: `unknown adapter "${registrar.adapter}" (known: ${[...factories.keys()].join(', ')})`,
      });
      continue;
    }
    let validate = optionValidators.get(factory.type);
    if (!validate) {
      validate = ajv.compile(factory.optionsSchema);
      optionValidators.set(factory.type, validate);
    }
    if (!validate(registrar.options)) problems.push(...describeAjvErrors(`registrars.${id}.options`, validate.errors));
  }
  for (const [tld, registrarId] of Object.entries(config.tldRouting)) {
    if (!config.registrars[registrarId]) {
      problems.push({ key: `tldRouting.${tld}`, message: `routes to "${registrarId}", which is not in registrars` });
    }
  }
  for (const tld of Object.keys(config.pricing.transferFee)) {
    if (!config.tldRouting[tld]) problems.push({ key: `pricing.transferFee.${tld}`, message: 'has a price but no route in tldRouting' });
  }
  for (const [key, zone] of [['displayTimeZone', config.displayTimeZone], ['sync.timezone', config.sync.timezone]] as const) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
    } catch {
      problems.push({ key, message: `"${zone}" is not a time zone (use an IANA name such as UTC or Asia/Shanghai)` });
    }
  }
  if (Buffer.from(config.encryptionKey, 'base64').length !== 32) {
    problems.push({ key: 'encryptionKey', message: 'must be base64 of exactly 32 bytes' });
  }
  if (problems.length) throw new ConfigError(dedupe(problems));
  return Object.freeze(config);
}

function dedupe(problems: Array<{ key: string; message: string }>) {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.key}|${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
