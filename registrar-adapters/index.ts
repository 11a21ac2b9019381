/**
 * `domain-transfers/registrar-adapters`: the one adapter interface, its error, and the
 * adapters that ship with the module. A host adds its own registrar by passing a
 * RegistrarAdapterFactory in `createDomainTransferModule(ctx, { adapterFactories })`.
 */
export type {
  AdapterFactoryContext,
  Contact,
  DomainInfo,
  EppCodeResult,
  PendingTransferOut,
  PostalAddress,
  RegistrarAdapter,
  RegistrarAdapterFactory,
  RegistryTransferEvent,
  TransferContacts,
  TransferRequest,
  TransferRequestResult,
  TransferStatus,
} from './types.ts';
export { AdapterOptionError, REGISTRAR_ERROR_CODES, RegistrarError, isRegistrarError, isRetryable, type RegistrarErrorCode } from './registrar-error.ts';
export { BUILT_IN_ADAPTER_FACTORIES } from './registry.ts';
export { sandboxAdapterFactory, SANDBOX_DEMO_AUTH_CODE, SANDBOX_DEMO_DOMAINS, type SandboxOptions, type SandboxDemoDomain } from './sandbox/index.ts';
export type { SandboxControls } from './sandbox/sandbox.controls.ts';
export { manualAdapterFactory, type ManualOptions } from './manual/index.ts';
export { eppAdapterFactory, type EppOptions } from './epp/index.ts';
export { alibabaCloudAdapterFactory, type AlibabaCloudOptions } from './alibaba-cloud/index.ts';
