/**
 * Terminology
 * - domain: a registrable name such as `example.com`, always lower-case ASCII (IDNs in punycode).
 * - registrar adapter: the module's view of one registrar (or registry, for EPP) account.
 *   Every operation speaks the WHMCS vocabulary: transfer, getEppCode, setLock, ...
 * - transfer-in: a domain held at another registrar moves to us. We are the gaining registrar.
 * - transfer-out: a domain we sponsor moves to another registrar. We are the losing registrar.
 * - EPP code (auth code, authInfo): the password that authorises a transfer. Never logged.
 * - lock: the `clientTransferProhibited` status, and nothing else.
 *
 * Results are discriminated unions; failures are thrown as `RegistrarError`, whose code
 * decides what the caller does next (retry, stop with a reason, or confirm by query).
 */

export interface PostalAddress {
  street: string[];
  city: string;
  state?: string;
  postcode: string;
  countryCode: string;
}

export interface Contact {
  name: string;
  organization?: string;
  email: string;
  phone?: string;
  address: PostalAddress;
}

/** Contacts sent with a transfer-in request; admin/tech/billing default to the registrant. */
export interface TransferContacts {
  registrant: Contact;
  admin?: Contact;
  tech?: Contact;
  billing?: Contact;
}

export interface TransferRequest {
  domain: string;
  authCode: string;
  contacts: TransferContacts;
  /** Years added on completion; registries add one year when omitted. */
  periodYears?: number;
}

/** What a registry said when we asked it to start a transfer-in. */
export type TransferRequestResult =
  | { kind: 'pending'; reference: string; actionDate?: Date }
  | { kind: 'completed'; reference: string; expiryDate: Date };

/** Progress of a transfer-in we requested. */
export type TransferStatus =
  | {
      kind: 'pending';
      reference?: string;
      requestedAt?: Date;
      actionDate?: Date;
      /** The registrar waits for the registrant: the confirmation email it sent must be answered. */
      awaiting?: 'registrant_email';
    }
  | { kind: 'completed'; expiryDate: Date }
  | {
      kind: 'rejected';
      reason: string;
      /**
       * Set when the registrar checks the code after accepting the request and refused it: the
       * transfer waits for a corrected code instead of ending (`transfer` sends it).
       */
      code?: 'auth_code_invalid';
    };

/** A transfer-out that another registrar requested for one of our domains. */
export interface PendingTransferOut {
  gainingRegistrar: string;
  requestedAt: Date;
  /** When the registry acts on its own if nobody approves or rejects. */
  actionDate: Date;
}

/**
 * Registry facts about a domain. For a domain at another registrar (transfer-in eligibility)
 * only public facts are filled; `sponsoredByUs` is false.
 */
export interface DomainInfo {
  domain: string;
  sponsoredByUs: boolean;
  /** The sponsoring registrar's identifier (EPP clID). */
  registrar: string;
  /** EPP status values, e.g. `ok`, `clientTransferProhibited`, `pendingTransfer`. */
  statuses: string[];
  createdAt?: Date;
  expiresAt?: Date;
  lastTransferredAt?: Date;
  lastRenewedAt?: Date;
  /** Where the registrar mails transfer confirmations and codes. */
  registrantEmail?: string;
  pendingTransferOut?: PendingTransferOut;
  /**
   * The registrar moves this domain out only by a procedure outside any API, which the module
   * explains instead of offering a code: `hk_application_form` is Alibaba Cloud's for `.hk`
   * (a signed application form and identity documents by email; instructions within three
   * working days).
   */
  manualTransferOut?: 'hk_application_form';
}

export type EppCodeResult = { kind: 'code'; code: string } | { kind: 'emailed'; to: string };

/** A message the registry pushed (EPP poll queue, webhook) about a transfer. */
export interface RegistryTransferEvent {
  kind: 'transfer';
  domain: string;
  direction: 'in' | 'out';
  status: TransferStatus;
  /** Acknowledge once the event has been applied, so it is not delivered again. */
  ack: () => Promise<void>;
}

export interface RegistrarAdapter {
  /** Adapter id as routed in config, e.g. `sandbox`. */
  readonly id: string;
  /** Human label shown in admin. */
  readonly label: string;

  /** Ask the registry to move `domain` to us. Initiate-or-confirm: see `already_pending`. */
  transfer(request: TransferRequest): Promise<TransferRequestResult>;
  getTransferStatus(domain: string, reference?: string): Promise<TransferStatus>;
  getDomainInfo(domain: string): Promise<DomainInfo>;
  /** Fetch (or set, RFC 9154 style) a fresh EPP code for one of our domains. Never store it. */
  getEppCode(domain: string): Promise<EppCodeResult>;
  /** Add or remove `clientTransferProhibited`, and only that. */
  setLock(domain: string, locked: boolean): Promise<void>;
  getLock(domain: string): Promise<boolean>;

  /** Optional capabilities: a missing method means the registrar does not offer it. */
  cancelTransferOut?(domain: string): Promise<void>;
  approveTransferOut?(domain: string): Promise<void>;
  rejectTransferOut?(domain: string, reason: string): Promise<void>;
  /**
   * RFC 9154: unset the domain's code at the registry (`<domain:null/>`), so a code that is no
   * longer needed cannot be used. Only for a domain we sponsor.
   */
  clearEppCode?(domain: string): Promise<void>;
  /** Sends the registrant the transfer-in confirmation email again (see `awaiting`). */
  resendTransferEmail?(domain: string): Promise<void>;
  poll?(): Promise<RegistryTransferEvent[]>;

  /** Prepares state once migrations have run (e.g. seeds a sandbox's demo domains). */
  init?(): Promise<void>;
  /** Release sockets and timers. */
  close?(): Promise<void>;
}

export { AdapterOptionError, REGISTRAR_ERROR_CODES, RegistrarError, isRegistrarError, isRetryable, type RegistrarErrorCode } from './registrar-error.ts';

/** Everything an adapter factory may use. Adapters never read the host's tables. */
export interface AdapterFactoryContext {
  /** knex instance of the module's database; adapters with state keep it in their own tables. */
  knex: import('knex').Knex;
  clock: { now(): Date };
  logger: import('pino').Logger;
  /** Our registrar identifier, as registries know it. */
  registrarId: string;
  /** Seals a secret (an EPP code an adapter must keep for a while) to a purpose string. */
  secrets: { seal(plaintext: string, aad: string): string; open(sealed: string, aad: string): string };
}

export interface RegistrarAdapterFactory<Options = unknown> {
  /** The `adapter` value in config, e.g. `sandbox`, `manual`, `epp`. */
  readonly type: string;
  /** JSON Schema (ajv strict) for the adapter's `options`. */
  readonly optionsSchema: object;
  create(id: string, options: Options, context: AdapterFactoryContext): RegistrarAdapter;
}
