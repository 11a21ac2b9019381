export { EppTestRegistry, type CommandKind, type EppRegistryOptions } from './epp-registry.server.ts';
export { registryCertificates, type RegistryCertificates } from './epp-registry.certs.ts';
export { validateFrames, type SchemaFailure } from './epp-registry.validator.ts';
export type { DomainRecord, TransferRecord } from './epp-registry.state.ts';
