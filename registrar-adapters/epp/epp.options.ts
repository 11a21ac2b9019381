import fs from 'node:fs';
import { DOMAIN_NS } from './epp.commands.ts';

export interface EppOptions {
  host: string;
  /** IANA-assigned EPP port. */
  port?: number;
  /** Trust anchors for the registry's certificate, when it is not in the system store (OT&E often is not). */
  caFile?: string;
  /** Client certificate and key, for registries that authenticate the TLS client. */
  certFile?: string;
  keyFile?: string;
  /** Our EPP login (clID) at this registry. */
  clientId: string;
  /** Name of the environment variable holding the EPP password; the value never enters config. */
  passwordEnv?: string;
  clTRIDPrefix?: string;
  poolSize?: number;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** How long a command waits for a free session when all are busy. */
  queueTimeoutMs?: number;
  /** Idle sessions send <hello/> this often, so the registry does not time them out; 0 turns it off. */
  keepaliveSeconds?: number;
  tlds?: string[];
  objURIs?: string[];
  extURIs?: string[];
  rejectUnauthorized?: boolean;
  /** RFC 9154 registries store auth info hashed, so `getEppCode` sets a fresh code instead of reading one. */
  setFreshAuthInfo?: boolean;
}

export type ResolvedEppOptions = Required<Omit<EppOptions, 'caFile' | 'certFile' | 'keyFile'>> &
  Pick<EppOptions, 'caFile' | 'certFile' | 'keyFile'>;

export const EPP_DEFAULTS = {
  port: 700,
  passwordEnv: 'EPP_PASSWORD',
  clTRIDPrefix: 'DT',
  poolSize: 2,
  commandTimeoutMs: 15_000,
  connectTimeoutMs: 10_000,
  queueTimeoutMs: 15_000,
  keepaliveSeconds: 300,
  tlds: [] as string[],
  objURIs: [DOMAIN_NS],
  extURIs: [] as string[],
  rejectUnauthorized: true,
  setFreshAuthInfo: true,
};

const uriList = (defaults: string[]) => ({
  type: 'array',
  items: { type: 'string', minLength: 1 },
  uniqueItems: true,
  default: defaults,
});

/**
 * JSON Schema for `registrars.<id>.options` when `adapter` is `epp` (ajv strict mode). The
 * certificate paths have no default: their absence is the meaningful "not used".
 */
export const eppOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'clientId'],
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: EPP_DEFAULTS.port },
    caFile: { type: 'string', minLength: 1 },
    certFile: { type: 'string', minLength: 1 },
    keyFile: { type: 'string', minLength: 1 },
    clientId: { type: 'string', minLength: 3, maxLength: 16 },
    passwordEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: EPP_DEFAULTS.passwordEnv },
    clTRIDPrefix: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,32}$', default: EPP_DEFAULTS.clTRIDPrefix },
    poolSize: { type: 'integer', minimum: 1, maximum: 32, default: EPP_DEFAULTS.poolSize },
    commandTimeoutMs: { type: 'integer', minimum: 100, maximum: 600_000, default: EPP_DEFAULTS.commandTimeoutMs },
    connectTimeoutMs: { type: 'integer', minimum: 100, maximum: 600_000, default: EPP_DEFAULTS.connectTimeoutMs },
    queueTimeoutMs: { type: 'integer', minimum: 0, maximum: 600_000, default: EPP_DEFAULTS.queueTimeoutMs },
    keepaliveSeconds: { type: 'integer', minimum: 0, maximum: 86_400, default: EPP_DEFAULTS.keepaliveSeconds },
    tlds: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9.-]+$' }, uniqueItems: true, default: EPP_DEFAULTS.tlds },
    objURIs: { ...uriList(EPP_DEFAULTS.objURIs), minItems: 1 },
    extURIs: uriList(EPP_DEFAULTS.extURIs),
    rejectUnauthorized: { type: 'boolean', default: EPP_DEFAULTS.rejectUnauthorized },
    setFreshAuthInfo: { type: 'boolean', default: EPP_DEFAULTS.setFreshAuthInfo },
  },
} as const;

export function resolveEppOptions(options: EppOptions): ResolvedEppOptions {
  const resolved: ResolvedEppOptions = { ...EPP_DEFAULTS, ...stripUndefined(options), host: options.host, clientId: options.clientId };
  if (!resolved.objURIs.includes(DOMAIN_NS)) resolved.objURIs = [DOMAIN_NS, ...resolved.objURIs];
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function readPassword(options: ResolvedEppOptions, env: NodeJS.ProcessEnv = process.env): string {
  const password = env[options.passwordEnv];
  if (!password) throw new Error(`EPP password missing: set the ${options.passwordEnv} environment variable`);
  return password;
}

export function readTlsFiles(options: ResolvedEppOptions): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  return {
    ca: options.caFile ? fs.readFileSync(options.caFile) : undefined,
    cert: options.certFile ? fs.readFileSync(options.certFile) : undefined,
    key: options.keyFile ? fs.readFileSync(options.keyFile) : undefined,
  };
}
