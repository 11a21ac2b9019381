import type { RegistrarAdapterFactory } from '../types.ts';
import { SandboxAdapter } from './sandbox.adapter.ts';
import { resolveSandboxOptions, sandboxOptionsSchema, type SandboxOptions } from './sandbox.options.ts';

export const sandboxAdapterFactory: RegistrarAdapterFactory<SandboxOptions> = {
  type: 'sandbox',
  optionsSchema: sandboxOptionsSchema,
  create(id, options, context) {
    return new SandboxAdapter(id, resolveSandboxOptions(options), context);
  },
};

export { SandboxAdapter } from './sandbox.adapter.ts';
export { SandboxRegistry } from './sandbox.registry.ts';
export type { SandboxDomain, SandboxTransfer } from './sandbox.model.ts';
export type { SandboxMessage } from './sandbox.queue.ts';
export { SANDBOX_DEFAULT_OPTIONS, sandboxOptionsSchema, resolveSandboxOptions, type SandboxOptions } from './sandbox.options.ts';
export { REGISTRY_RULES } from './sandbox.rules.ts';
export {
  SANDBOX_DEMO_AUTH_CODE,
  SANDBOX_DEMO_DOMAINS,
  SANDBOX_OTHER_REGISTRAR,
  SANDBOX_THIRD_REGISTRAR,
  type SandboxDemoCase,
  type SandboxDemoDomain,
  type SandboxDomainInput,
} from './sandbox.demo-data.ts';
export type { SandboxControls } from './sandbox.controls.ts';
export type { SandboxFaultKind, SandboxFaultSpec } from './sandbox.queue.ts';
export { SANDBOX_FAULT_KINDS } from './sandbox.queue.ts';
export { FaultSpecError } from './sandbox.fault-spec.ts';
