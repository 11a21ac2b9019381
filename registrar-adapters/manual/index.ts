import type { RegistrarAdapterFactory } from '../types.ts';
import { ManualAdapter } from './manual.adapter.ts';
import { manualOptionsSchema, resolveManualOptions, type ManualOptions } from './manual.instructions.ts';

export const manualAdapterFactory: RegistrarAdapterFactory<ManualOptions> = {
  type: 'manual',
  optionsSchema: manualOptionsSchema,
  create(id, options, context) {
    return new ManualAdapter(id, resolveManualOptions(options), context);
  },
};

export { ManualAdapter } from './manual.adapter.ts';
export { ManualTaskService, type OpenTaskInput } from './manual.task-service.ts';
export { MANUAL_DEFAULT_OPTIONS, manualOptionsSchema, resolveManualOptions, type ManualOptions } from './manual.instructions.ts';
export {
  ManualTaskError,
  OUTCOMES_BY_OPERATION,
  type ManualDomainFacts,
  type ManualDomainFactsInput,
  type ManualOperation,
  type ManualTask,
  type ManualTaskErrorCode,
  type ManualTaskOutcome,
} from './manual.model.ts';
