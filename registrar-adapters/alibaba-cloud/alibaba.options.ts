import { AdapterOptionError } from '../registrar-error.ts';

export interface AlibabaCloudOptions {
  /** The Domain API's endpoint (version 2018-01-29, RPC style). */
  endpoint?: string;
  regionId?: string;
  /** Names of the environment variables holding the AccessKey pair; the values never enter config. */
  accessKeyIdEnv?: string;
  accessKeySecretEnv?: string;
  /** A verified registrant profile of the account: the holder a transferred-in domain gets. */
  registrantProfileId?: string;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** Tries after a `Throttling` or `ServiceUnavailable` answer, with capped, jittered backoff. */
  maxRetries?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
  /** How often a submitted task is asked about, and for how long, before the call is given up as transient. */
  taskPollIntervalMs?: number;
  taskTimeoutMs?: number;
  /** Language of the API's error messages. */
  lang?: 'en' | 'zh';
  tlds?: string[];
  /** Plain HTTP to a local stand-in of the API: for tests only; a warning is logged at start. */
  insecureForTesting?: boolean;
}

export type ResolvedAlibabaCloudOptions = Required<Omit<AlibabaCloudOptions, 'registrantProfileId'>> & Pick<AlibabaCloudOptions, 'registrantProfileId'>;

export const ALIBABA_DEFAULTS = {
  endpoint: 'domain.aliyuncs.com',
  regionId: 'cn-hangzhou',
  accessKeyIdEnv: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
  accessKeySecretEnv: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  connectTimeoutMs: 5_000,
  readTimeoutMs: 15_000,
  maxRetries: 3,
  retryBaseMs: 500,
  retryCapMs: 8_000,
  taskPollIntervalMs: 1_000,
  taskTimeoutMs: 60_000,
  lang: 'en' as const,
  tlds: [] as string[],
  insecureForTesting: false,
};

const envName = (fallback: string) => ({ type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: fallback });

/** JSON Schema for `registrars.<id>.options` when `adapter` is `alibaba-cloud` (ajv strict mode). */
export const alibabaCloudOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string', pattern: '^[A-Za-z0-9.-]+(:[0-9]{1,5})?$', default: ALIBABA_DEFAULTS.endpoint },
    regionId: { type: 'string', pattern: '^[a-z0-9-]{2,32}$', default: ALIBABA_DEFAULTS.regionId },
    accessKeyIdEnv: envName(ALIBABA_DEFAULTS.accessKeyIdEnv),
    accessKeySecretEnv: envName(ALIBABA_DEFAULTS.accessKeySecretEnv),
    registrantProfileId: { type: 'string', pattern: '^[0-9]{1,20}$' },
    connectTimeoutMs: { type: 'integer', minimum: 100, maximum: 120_000, default: ALIBABA_DEFAULTS.connectTimeoutMs },
    readTimeoutMs: { type: 'integer', minimum: 100, maximum: 600_000, default: ALIBABA_DEFAULTS.readTimeoutMs },
    maxRetries: { type: 'integer', minimum: 0, maximum: 10, default: ALIBABA_DEFAULTS.maxRetries },
    retryBaseMs: { type: 'integer', minimum: 1, maximum: 60_000, default: ALIBABA_DEFAULTS.retryBaseMs },
    retryCapMs: { type: 'integer', minimum: 1, maximum: 600_000, default: ALIBABA_DEFAULTS.retryCapMs },
    taskPollIntervalMs: { type: 'integer', minimum: 1, maximum: 60_000, default: ALIBABA_DEFAULTS.taskPollIntervalMs },
    taskTimeoutMs: { type: 'integer', minimum: 10, maximum: 3_600_000, default: ALIBABA_DEFAULTS.taskTimeoutMs },
    lang: { enum: ['en', 'zh'], default: ALIBABA_DEFAULTS.lang },
    tlds: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9.-]+$' }, uniqueItems: true, default: ALIBABA_DEFAULTS.tlds },
    insecureForTesting: { type: 'boolean', default: ALIBABA_DEFAULTS.insecureForTesting },
  },
} as const;

export function resolveAlibabaOptions(options: AlibabaCloudOptions): ResolvedAlibabaCloudOptions {
  const set = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...ALIBABA_DEFAULTS, ...set } as ResolvedAlibabaCloudOptions;
}

export interface AccessKey {
  id: string;
  secret: string;
}

/** The AccessKey pair from the environment variables the options name; a missing one names its option. */
export function readAccessKey(options: ResolvedAlibabaCloudOptions, env: NodeJS.ProcessEnv = process.env): AccessKey {
  const id = env[options.accessKeyIdEnv];
  if (!id) throw new AdapterOptionError('accessKeyIdEnv', `AccessKey ID missing: set the ${options.accessKeyIdEnv} environment variable`);
  const secret = env[options.accessKeySecretEnv];
  if (!secret) throw new AdapterOptionError('accessKeySecretEnv', `AccessKey secret missing: set the ${options.accessKeySecretEnv} environment variable`);
  return { id, secret };
}
