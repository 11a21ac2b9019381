import type { Knex } from 'knex';
import { eppAdapterFactory, type EppOptions } from '../../../registrar-adapters/epp/index.ts';
import type { EppAdapter } from '../../../registrar-adapters/epp/epp.adapter.ts';
import type { AdapterFactoryContext } from '../../../registrar-adapters/types.ts';
import { createCaptureLogger } from '../capture-logger.ts';
import { FakeClock } from '../fake-clock.ts';
import { EppTestRegistry, type EppRegistryOptions } from './epp-registry.server.ts';

export const OUR_CLID = 'test-registrar';
export const OUR_PASSWORD = 'secret-pw-1';
export const OTHER_CLID = 'other-registrar';
const PASSWORD_ENV = 'EPP_TEST_REGISTRY_PASSWORD';

export interface EppFixture {
  clock: FakeClock;
  registry: EppTestRegistry;
  adapter: EppAdapter;
  logs: ReturnType<typeof createCaptureLogger>;
  /** Another adapter logged in as a different registrar, to play the other side of a transfer. */
  other(): EppAdapter;
  close(): Promise<void>;
}

/** A test registry on 127.0.0.1 and an EPP adapter logged in to it over TLS. */
export async function startEppFixture(
  options: { registry?: EppRegistryOptions; adapter?: Partial<EppOptions>; password?: string } = {},
): Promise<EppFixture> {
  const clock = new FakeClock();
  const registry = await EppTestRegistry.start({ clock, ...options.registry });
  const logs = createCaptureLogger();
  const adapters: EppAdapter[] = [];
  const make = (clientId: string, password: string, overrides: Partial<EppOptions> = {}) => {
    process.env[PASSWORD_ENV] = password;
    const context = {
      knex: {} as Knex,
      clock,
      logger: logs.logger,
      registrarId: clientId,
      secrets: { seal: (p: string) => p, open: (s: string) => s },
    } satisfies AdapterFactoryContext;
    const adapter = eppAdapterFactory.create(
      'epp-test',
      {
        host: '127.0.0.1',
        port: registry.port,
        caFile: registry.certs.files.ca,
        // Mutual TLS, as RFC 5734 expects and the adapter requires.
        certFile: registry.certs.files.clientCert,
        keyFile: registry.certs.files.clientKey,
        clientId,
        passwordEnv: PASSWORD_ENV,
        keepaliveSeconds: 0,
        commandTimeoutMs: 3000,
        connectTimeoutMs: 3000,
        ...overrides,
      },
      context,
    ) as EppAdapter;
    delete process.env[PASSWORD_ENV];
    adapters.push(adapter);
    return adapter;
  };
  const adapter = make(OUR_CLID, options.password ?? OUR_PASSWORD, options.adapter);
  let other: EppAdapter | undefined;
  return {
    clock,
    registry,
    adapter,
    logs,
    other: () => (other ??= make(OTHER_CLID, 'other-pw-1')),
    async close() {
      await Promise.all(adapters.map((a) => a.close()));
      await registry.close();
    },
  };
}
