import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { DEFAULT_DATABASE_URL } from '../module/index.ts';
import { demoUsersFromEnv, type DemoUsersConfig } from './accounts/demo-users.seed.ts';

/** A problem with the host's own settings (env vars, the DT_CONFIG file): one line, exit 2. */
export class HostConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostConfigError';
  }
}

export interface HostConfig {
  port: number;
  databaseUrl: string;
  logLevel: string;
  dataDir: string;
  sessionSecret: string;
  smtp: { url?: string; from: string };
  demoUsers: DemoUsersConfig;
  trustProxy: TrustProxySetting;
  loginThrottle: LoginThrottleConfig;
  /** Raw module options; the module validates them and names any bad key. */
  moduleConfig: Record<string, unknown>;
}

/** What the standalone host runs with when DT_CONFIG says nothing else: the sandbox registry. */
export function demoModuleDefaults(encryptionKey: string, baseUrl: string): Record<string, unknown> {
  return {
    baseUrl,
    encryptionKey,
    registrars: { sandbox: { adapter: 'sandbox', options: {} } },
    tldRouting: { com: 'sandbox', net: 'sandbox', org: 'sandbox' },
    pricing: { currency: 'USD', transferFee: { com: 1099, net: 1199, org: 1299 } },
  };
}

/** Express's `trust proxy`: a hop count, all or nothing, or the proxies' addresses and subnets. */
export type TrustProxySetting = number | boolean | string;

/** How many failed logins are allowed before the form refuses, per account and per client address. */
export interface LoginThrottleConfig {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

export function dataDirOf(env: NodeJS.ProcessEnv): string {
  return path.resolve(env.DT_DATA_DIR || './data');
}

/**
 * Reads a secret kept in the data directory, creating it on first use (mode 0600). `wx`
 * makes two processes starting at once agree on one value instead of overwriting each other.
 */
export function persistedSecret(dataDir: string, file: string, generate: () => string): string {
  const filename = path.join(dataDir, file);
  try {
    const existing = fs.readFileSync(filename, 'utf8').trim();
    keepOwnerOnly(filename);
    return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new HostConfigError(`cannot read ${filename}: ${(error as Error).message}`);
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const value = generate();
  try {
    fs.writeFileSync(filename, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(filename, 'utf8').trim();
    throw new HostConfigError(`cannot write ${filename}: ${(error as Error).message}`);
  }
}

/**
 * A secret written by an earlier version, copied in by hand or restored from a backup may be
 * readable by others; it is made owner-only again. A file this process does not own keeps its
 * mode (chmod is refused), and is still used.
 */
function keepOwnerOnly(filename: string): void {
  try {
    if ((fs.statSync(filename).mode & 0o077) !== 0) fs.chmodSync(filename, 0o600);
  } catch {
    // Not ours to change.
  }
}

/**
 * TRUST_PROXY as Express needs it. Passed through as a string, "1" is read as a list holding
 * the address 0.0.0.1, so behind a TLS proxy req.secure stays false (no Secure cookie) and
 * req.ip is the proxy's address instead of the visitor's.
 */
export function trustProxyOf(env: NodeJS.ProcessEnv): TrustProxySetting {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '') return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  try {
    // Express's own parser decides what a list may hold (addresses, subnets, loopback…).
    express().set('trust proxy', raw);
  } catch (error) {
    throw new HostConfigError(
      `TRUST_PROXY "${raw}" is not a hop count (1), true, false, or a comma-separated list of proxy addresses and subnets (10.0.0.0/8, loopback): ${(error as Error).message}`,
    );
  }
  return raw;
}

/** LOGIN_FAILURES_PER_ACCOUNT (5) and LOGIN_FAILURES_PER_ADDRESS (20) within LOGIN_FAILURE_WINDOW_MINUTES (15). */
export function loginThrottleOf(env: NodeJS.ProcessEnv): LoginThrottleConfig {
  return {
    perAccount: positiveInteger(env, 'LOGIN_FAILURES_PER_ACCOUNT', 5),
    perAddress: positiveInteger(env, 'LOGIN_FAILURES_PER_ADDRESS', 20),
    windowMs: positiveInteger(env, 'LOGIN_FAILURE_WINDOW_MINUTES', 15) * 60_000,
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) throw new HostConfigError(`${key} "${raw}" is not a whole number of 1 or more`);
  return Number(raw);
}

/** The module options: the DT_CONFIG file (if any) deep-merged over the demo defaults. */
export function loadModuleConfig(env: NodeJS.ProcessEnv, baseUrl: string): Record<string, unknown> {
  const encryptionKey = env.DT_ENCRYPTION_KEY || persistedSecret(dataDirOf(env), 'encryption.key', () => crypto.randomBytes(32).toString('base64'));
  const defaults = demoModuleDefaults(encryptionKey, baseUrl);
  if (!env.DT_CONFIG) return defaults;
  let text: string;
  try {
    text = fs.readFileSync(env.DT_CONFIG, 'utf8');
  } catch (error) {
    throw new HostConfigError(`DT_CONFIG file ${env.DT_CONFIG} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HostConfigError(`DT_CONFIG file ${env.DT_CONFIG} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new HostConfigError(`DT_CONFIG file ${env.DT_CONFIG} must hold a JSON object`);
  return deepMerge(defaults, parsed);
}

export function loadHostConfig(env: NodeJS.ProcessEnv = process.env): HostConfig {
  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new HostConfigError(`PORT "${env.PORT}" is not a port number (0-65535)`);
  // Checked before any secret is generated, so a typo leaves nothing behind.
  const trustProxy = trustProxyOf(env);
  const loginThrottle = loginThrottleOf(env);
  const dataDir = dataDirOf(env);
  const baseUrl = env.BASE_URL || `http://localhost:${port || 3000}`;
  return {
    port,
    // The default SQLite file lives with the generated secrets, in DT_DATA_DIR (./data).
    databaseUrl: env.DATABASE_URL || (env.DT_DATA_DIR ? `sqlite:${path.join(dataDir, 'domain-transfers.sqlite')}` : DEFAULT_DATABASE_URL),
    logLevel: env.LOG_LEVEL || 'info',
    dataDir,
    sessionSecret: sessionSecretOf(env),
    smtp: { url: env.SMTP_URL || undefined, from: env.SMTP_FROM || 'Domain Transfers <domain-transfers@localhost>' },
    demoUsers: demoUsersFromEnv(env),
    trustProxy,
    loginThrottle,
    moduleConfig: loadModuleConfig(env, baseUrl),
  };
}

export function sessionSecretOf(env: NodeJS.ProcessEnv): string {
  return env.SESSION_SECRET || persistedSecret(dataDirOf(env), 'session.secret', () => crypto.randomBytes(32).toString('base64url'));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; anything else in `over` replaces. Neither input is changed. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}
