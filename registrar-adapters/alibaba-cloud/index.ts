import type { RegistrarAdapterFactory } from '../types.ts';
import { AlibabaCloudAdapter } from './alibaba.adapter.ts';
import { AlibabaDomainApi } from './alibaba.client.ts';
import { alibabaCloudOptionsSchema, readAccessKey, resolveAlibabaOptions, type AlibabaCloudOptions } from './alibaba.options.ts';
import { AlibabaTasks } from './alibaba.tasks.ts';

export type { AlibabaCloudOptions } from './alibaba.options.ts';
export { AlibabaCloudAdapter } from './alibaba.adapter.ts';

export const alibabaCloudAdapterFactory: RegistrarAdapterFactory<AlibabaCloudOptions> = {
  type: 'alibaba-cloud',
  optionsSchema: alibabaCloudOptionsSchema,
  create(id, rawOptions, context) {
    const options = resolveAlibabaOptions(rawOptions);
    const key = readAccessKey(options);
    const logger = context.logger.child({ adapter: 'alibaba-cloud', endpoint: options.endpoint });
    if (options.insecureForTesting) logger.warn('Alibaba Cloud insecureForTesting is on: the Domain API is called over plain HTTP; never use it with the real endpoint');
    const api = new AlibabaDomainApi(options, key, logger);
    const tasks = new AlibabaTasks(api, { pollIntervalMs: options.taskPollIntervalMs, timeoutMs: options.taskTimeoutMs }, logger);
    return new AlibabaCloudAdapter({ id, registrantProfileId: options.registrantProfileId, api, tasks, logger });
  },
};
