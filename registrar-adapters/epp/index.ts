import { randomBytes } from 'node:crypto';
import type { RegistrarAdapterFactory } from '../types.ts';
import { EppAdapter } from './epp.adapter.ts';
import { checkTlsOptions, eppOptionsSchema, readPassword, readTlsFiles, resolveEppOptions, type EppOptions } from './epp.options.ts';
import { EppPool } from './epp.pool.ts';
import { EppSession } from './epp.session.ts';

export type { EppOptions } from './epp.options.ts';
export { EppAdapter } from './epp.adapter.ts';

/**
 * clTRIDs are `<prefix>-<start time>-<random>-<sequence>`: unique within a process by the
 * sequence, and across restarts and parallel workers by the time and random parts.
 */
export function clTRIDGenerator(prefix: string): () => string {
  const instance = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  let sequence = 0;
  return () => `${prefix}-${instance}-${(++sequence).toString(36)}`;
}

export const eppAdapterFactory: RegistrarAdapterFactory<EppOptions> = {
  type: 'epp',
  optionsSchema: eppOptionsSchema,
  create(id, rawOptions, context) {
    const options = resolveEppOptions(rawOptions);
    const password = readPassword(options);
    checkTlsOptions(options);
    const tlsFiles = readTlsFiles(options);
    const logger = context.logger.child({ adapter: 'epp', host: options.host });
    if (options.insecureForTesting) {
      logger.warn({ clientCertificate: Boolean(options.certFile), checksRegistryCertificate: options.rejectUnauthorized }, 'EPP insecureForTesting is on: TLS without mutual authentication; never use it with a live registry');
    }
    const nextClTRID = clTRIDGenerator(options.clTRIDPrefix);
    const pool = new EppPool({
      size: options.poolSize,
      queueTimeoutMs: options.queueTimeoutMs,
      loginRetryAfterMs: options.loginRetryAfterSeconds * 1000,
      logger,
      open: () =>
        EppSession.open({
          host: options.host,
          port: options.port,
          ...tlsFiles,
          rejectUnauthorized: options.rejectUnauthorized,
          connectTimeoutMs: options.connectTimeoutMs,
          commandTimeoutMs: options.commandTimeoutMs,
          keepaliveMs: options.keepaliveSeconds * 1000,
          clientId: options.clientId,
          password,
          objURIs: options.objURIs,
          extURIs: options.extURIs,
          nextClTRID,
          logger,
        }),
    });
    return new EppAdapter({
      id,
      label: `EPP ${options.host}`,
      clientId: options.clientId,
      setFreshAuthInfo: options.setFreshAuthInfo,
      maxTransferFee: options.maxTransferFee,
      pool,
      logger,
    });
  },
};
