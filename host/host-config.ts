import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
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
    return fs.readFileSync(filename, 'utf8').trim();
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
