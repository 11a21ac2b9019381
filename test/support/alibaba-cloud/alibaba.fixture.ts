import type { Knex } from 'knex';
import { alibabaCloudAdapterFactory, type AlibabaCloudOptions } from '../../../registrar-adapters/alibaba-cloud/index.ts';
import type { AlibabaCloudAdapter } from '../../../registrar-adapters/alibaba-cloud/alibaba.adapter.ts';
import { createCaptureLogger } from '../capture-logger.ts';
import { FakeClock } from '../fake-clock.ts';
import { AlibabaMockApi, MOCK_ACCESS_KEY } from './alibaba-mock.server.ts';

const ID_ENV = 'ALIBABA_TEST_ACCESS_KEY_ID';
const SECRET_ENV = 'ALIBABA_TEST_ACCESS_KEY_SECRET';

export interface AlibabaFixture {
  api: AlibabaMockApi;
  adapter: AlibabaCloudAdapter;
  logs: ReturnType<typeof createCaptureLogger>;
  close(): Promise<void>;
}

/** The local Domain API and an adapter configured for it (fast task polling, quick retries). */
export async function startAlibabaFixture(options: Partial<AlibabaCloudOptions> = {}, key = MOCK_ACCESS_KEY): Promise<AlibabaFixture> {
  const api = await AlibabaMockApi.start();
  const logs = createCaptureLogger();
  process.env[ID_ENV] = key.id;
  process.env[SECRET_ENV] = key.secret;
  try {
    const adapter = alibabaCloudAdapterFactory.create(
      'alibaba',
      {
        endpoint: api.endpoint,
        insecureForTesting: true,
        accessKeyIdEnv: ID_ENV,
        accessKeySecretEnv: SECRET_ENV,
        registrantProfileId: '1234567',
        taskPollIntervalMs: 5,
        taskTimeoutMs: 400,
        retryBaseMs: 5,
        retryCapMs: 20,
        readTimeoutMs: 1000,
        ...options,
      },
      { knex: {} as Knex, clock: new FakeClock(), logger: logs.logger, registrarId: 'alibaba', secrets: { seal: (p) => p, open: (s) => s } },
    ) as AlibabaCloudAdapter;
    return { api, adapter, logs, close: () => api.close() };
  } finally {
    delete process.env[ID_ENV];
    delete process.env[SECRET_ENV];
  }
}
