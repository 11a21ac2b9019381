import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { RegistrarError, type RegistrarErrorCode } from '../registrar-error.ts';
import type { AccessKey, ResolvedAlibabaCloudOptions } from './alibaba.options.ts';

// CommonJS packages whose client class is their `default` export: loaded with require, which
// reads them the same way under Node, the compiled package and the test runner.
const require = createRequire(import.meta.url);
const $OpenApi = require('@alicloud/openapi-client') as OpenApiModule;
const $Util = require('@alicloud/tea-util') as { RuntimeOptions: new (options: Record<string, unknown>) => object };

/** The parts of the OpenAPI client used here. */
interface OpenApiClient {
  callApi(params: object, request: object, runtime: object): Promise<{ body?: unknown }>;
}
interface OpenApiModule {
  default: new (config: object) => OpenApiClient;
  Config: new (config: Record<string, unknown>) => object;
  Params: new (params: Record<string, unknown>) => object;
  OpenApiRequest: new (request: Record<string, unknown>) => object;
}

export const DOMAIN_API_VERSION = '2018-01-29';

export type ApiParams = Record<string, string | number | boolean | undefined>;
export type ApiBody = Record<string, unknown>;

/** What the SDK throws for an answer of 4xx/5xx, or a failed connection. */
interface SdkError {
  code?: string;
  name?: string;
  message?: string;
  data?: { Code?: string; Message?: string; RequestId?: string; statusCode?: number };
}

/** API error codes, by prefix, and what they mean for the caller. */
const ERROR_CODES: ReadonlyArray<[RegExp, RegistrarErrorCode]> = [
  // Our credentials or their permissions: an admin has to act, so no blind retries.
  [/^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidAccessKeySecret|Forbidden|NoPermission)/, 'authentication_failed'],
  [/^Throttling/, 'rate_limited'],
  [/^(ServiceUnavailable|InternalError|InternalFailure)/, 'transient'],
  [/^TaskIsBeingProcessed/, 'already_pending'],
  [/^(InvalidDomainName|DomainTransferPendingNotExist)|NotExist|NotFound/, 'not_found'],
  [/TransferProhibit|Prohibited/, 'transfer_prohibited'],
];

const RETRIED = /^(Throttling|ServiceUnavailable)/;

export function mapApiErrorCode(code: string, httpStatus?: number): RegistrarErrorCode {
  for (const [pattern, mapped] of ERROR_CODES) if (pattern.test(code)) return mapped;
  return httpStatus !== undefined && httpStatus >= 500 ? 'transient' : 'not_eligible';
}

/**
 * The Domain API through Alibaba Cloud's OpenAPI client, signed with V3 (ACS3-HMAC-SHA256).
 * The SDK's own retries are off: a request that creates a task must never be sent twice
 * blindly, so only `Throttling` and `ServiceUnavailable` (refused before anything was done)
 * are tried again here; a timeout is reported and the caller confirms by query.
 */
export class AlibabaDomainApi {
  private readonly client: OpenApiClient;
  private readonly protocol: 'HTTPS' | 'HTTP';

  constructor(
    private readonly options: ResolvedAlibabaCloudOptions,
    private readonly key: AccessKey,
    private readonly logger: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.protocol = options.insecureForTesting ? 'HTTP' : 'HTTPS';
    this.client = new $OpenApi.default(
      new $OpenApi.Config({
        accessKeyId: key.id,
        accessKeySecret: key.secret,
        endpoint: options.endpoint,
        regionId: options.regionId,
        protocol: this.protocol,
        connectTimeout: options.connectTimeoutMs,
        readTimeout: options.readTimeoutMs,
      }),
    );
  }

  /** Calls `action` and returns its JSON body, or throws a RegistrarError. */
  async call(action: string, params: ApiParams = {}): Promise<ApiBody> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(action, params);
      } catch (raw) {
        const error = raw as SdkError;
        const code = error.data?.Code ?? error.code ?? '';
        if (RETRIED.test(code) && attempt < this.options.maxRetries) {
          const backoff = Math.min(this.options.retryCapMs, this.options.retryBaseMs * 2 ** attempt);
          this.logger.debug({ action, code, attempt: attempt + 1 }, 'Domain API asked us to wait; trying again');
          await this.sleep(backoff / 2 + Math.random() * (backoff / 2));
          continue;
        }
        throw this.registrarError(action, error);
      }
    }
  }

  private async once(action: string, params: ApiParams): Promise<ApiBody> {
    const query: Record<string, string> = { Lang: this.options.lang };
    for (const [name, value] of Object.entries(params)) if (value !== undefined) query[name] = String(value);
    const response = await this.client.callApi(
      new $OpenApi.Params({ action, version: DOMAIN_API_VERSION, protocol: this.protocol, pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' }),
      new $OpenApi.OpenApiRequest({ query }),
      new $Util.RuntimeOptions({ autoretry: false, maxAttempts: 1, connectTimeout: this.options.connectTimeoutMs, readTimeout: this.options.readTimeoutMs }),
    );
    return (response.body ?? {}) as ApiBody;
  }

  private registrarError(action: string, error: SdkError): RegistrarError {
    const code = error.data?.Code;
    if (code) {
      const message = this.redact(`${action}: ${code}: ${error.data?.Message ?? ''}`.trim());
      return new RegistrarError(mapApiErrorCode(code, error.data?.statusCode), message, { rawCode: code });
    }
    // No answer: the connection failed or timed out. The request may have been acted on.
    const what = error.code || error.name || 'error';
    return new RegistrarError('transient', this.redact(`${action}: no answer from the Domain API (${what}: ${error.message ?? ''})`), { rawCode: what });
  }

  /** Neither half of the AccessKey is ever written into a message. */
  private redact(text: string): string {
    let out = text;
    for (const secret of [this.key.secret, this.key.id]) if (secret) out = out.split(secret).join('***');
    return out.slice(0, 1000);
  }
}
