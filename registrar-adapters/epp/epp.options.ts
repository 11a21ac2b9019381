import fs from 'node:fs';
import { DOMAIN_NS } from './epp.commands.ts';
import { NS } from './epp.namespaces.ts';
import { AdapterOptionError } from '../registrar-error.ts';

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
  /**
   * Allows a connection without a client certificate, or without checking the registry's
   * (`rejectUnauthorized: false`): for a local test registry only. RFC 5734 expects mutual TLS;
   * a warning is logged when the adapter starts with this on.
   */
  insecureForTesting?: boolean;
  /** After the registry refuses our login, no new login is tried for this long (repeated failures can lock the account). */
  loginRetryAfterSeconds?: number;
  /** RFC 9154 registries store auth info hashed, so `getEppCode` sets a fresh code instead of reading one. */
  setFreshAuthInfo?: boolean;
  /**
   * RFC 8748: the most a transfer may cost at this registry. Unset, only the registry's
   * standard price is accepted; a premium price goes to an admin instead of being charged.
   */
  maxTransferFee?: { amount: string; currency: string };
}

type OptionalEppOptions = 'caFile' | 'certFile' | 'keyFile' | 'maxTransferFee';
export type ResolvedEppOptions = Required<Omit<EppOptions, OptionalEppOptions>> & Pick<EppOptions, OptionalEppOptions>;

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
  // RFC 3915: redemption and other grace periods, which the transfer rules need; RFC 8748:
  // a transfer's price, so a premium one is never acknowledged unseen.
  extURIs: [NS.rgp, NS.fee] as string[],
  rejectUnauthorized: true,
  insecureForTesting: false,
  loginRetryAfterSeconds: 900,
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
    insecureForTesting: { type: 'boolean', default: EPP_DEFAULTS.insecureForTesting },
    loginRetryAfterSeconds: { type: 'integer', minimum: 1, maximum: 86_400, default: EPP_DEFAULTS.loginRetryAfterSeconds },
    setFreshAuthInfo: { type: 'boolean', default: EPP_DEFAULTS.setFreshAuthInfo },
    maxTransferFee: {
      type: 'object',
      additionalProperties: false,
      required: ['amount', 'currency'],
      properties: {
        amount: { type: 'string', pattern: '^\\d{1,12}(\\.\\d{1,6})?$' },
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      },
    },
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

/** RFC 5730 pwType: 6 to 16 characters. A longer password would make every login frame invalid. */
const PASSWORD = { min: 6, max: 16 };

export function readPassword(options: ResolvedEppOptions, env: NodeJS.ProcessEnv = process.env): string {
  const password = env[options.passwordEnv];
  if (!password) throw new AdapterOptionError('passwordEnv', `EPP password missing: set the ${options.passwordEnv} environment variable`);
  const length = [...password].length;
  if (length < PASSWORD.min || length > PASSWORD.max) {
    throw new AdapterOptionError('passwordEnv', `the EPP password in ${options.passwordEnv} has ${length} characters; EPP allows ${PASSWORD.min} to ${PASSWORD.max} (RFC 5730)`);
  }
  return password;
}

/** RFC 5734: the client authenticates with a certificate, and the registry's is checked. */
export function checkTlsOptions(options: ResolvedEppOptions): void {
  if (options.insecureForTesting) return;
  if (!options.certFile || !options.keyFile) {
    throw new AdapterOptionError(options.certFile ? 'keyFile' : 'certFile', 'EPP over TLS needs a client certificate (RFC 5734): set certFile and keyFile, or insecureForTesting: true for a local test registry');
  }
  if (!options.rejectUnauthorized) throw new AdapterOptionError('rejectUnauthorized', "false leaves the registry's certificate unchecked; allowed only with insecureForTesting: true");
}

export function readTlsFiles(options: ResolvedEppOptions): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const read = (option: 'caFile' | 'certFile' | 'keyFile') => {
    const file = options[option];
    if (!file) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw new AdapterOptionError(option, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  return { ca: read('caFile'), cert: read('certFile'), key: read('keyFile') };
}
