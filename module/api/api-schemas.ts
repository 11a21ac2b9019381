/**
 * The JSON Schemas of the API's bodies (JSON Schema 2020-12, as OpenAPI 3.1 uses): requests are
 * validated with them, responses are described by them, and /api/v1/openapi.json is built from
 * them, so the document cannot drift from what the API accepts and answers.
 */

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const dateTime = { type: 'string', format: 'date-time' };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const REQUEST_SCHEMAS = {
  TransferRequest: {
    type: 'object',
    required: ['domain', 'authCode'],
    properties: {
      clientId: { type: ['string', 'integer'], description: "The host's client id (a key bound to a client may leave it out)." },
      domain: { type: 'string', maxLength: 300, description: 'The domain, in ASCII or Unicode.' },
      authCode: { type: 'string', maxLength: 1000, description: 'The EPP (auth) code, exactly as the current registrar gave it.' },
    },
    additionalProperties: false,
  },
  CodeRequest: {
    type: 'object',
    required: ['authCode'],
    properties: { authCode: { type: 'string', maxLength: 1000 } },
    additionalProperties: false,
  },
  BulkImportRequest: {
    type: 'object',
    required: ['csv'],
    properties: {
      csv: { type: 'string', description: 'The file as text: domain,auth_code[,client] per line, a header optional.' },
      clientId: { type: ['string', 'integer'], description: 'The client of rows without a client column.' },
    },
    additionalProperties: false,
  },
  SyncRequest: {
    type: 'object',
    properties: { domain: { type: 'string', maxLength: 300, description: 'Only this domain; all pending and active domains when left out.' } },
    additionalProperties: false,
  },
} as const;

export const RESPONSE_SCHEMAS = {
  Problem: {
    type: 'object',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string', description: 'Stable per error: urn:domain-transfers:problem:<key>.' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string', description: "In the caller's Accept-Language." },
      field: { type: 'string' },
      reasons: { type: 'array', items: { type: 'object', required: ['rule', 'detail'], properties: { rule: { type: 'string' }, params: { type: 'object' }, detail: { type: 'string' } } } },
    },
  },
  Failure: nullable({ type: 'object', required: ['code'], properties: { code: { type: 'string' }, reason: nullable({ type: 'string' }) } }),
  DomainSummary: {
    type: 'object',
    required: ['domain', 'unicode', 'status', 'clientId', 'registrar'],
    properties: {
      domain: { type: 'string' },
      unicode: { type: 'string' },
      status: { enum: ['pending', 'active', 'cancelled', 'transferred_away'] },
      clientId: { type: 'string' },
      clientName: { type: 'string' },
      registrar: { type: 'string' },
      expiryDate: nullable(dateTime),
      failure: ref('Failure'),
      transferOutPending: nullable({ type: 'object', properties: { gainingRegistrar: { type: 'string' }, requestedAt: nullable(dateTime) } }),
      statusChangedAt: nullable(dateTime),
      lastCheckedAt: nullable(dateTime),
    },
  },
  Order: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { enum: ['awaiting_payment', 'queued', 'submitted', 'failed', 'cancelled'] },
      orderId: nullable({ type: 'string' }),
      orderItemId: nullable({ type: 'string' }),
      invoiceId: nullable({ type: 'string' }),
      amountMinor: nullable({ type: 'integer' }),
      currency: nullable({ type: 'string' }),
      failure: ref('Failure'),
      dispatches: nullable({ type: 'integer' }),
      createdAt: nullable(dateTime),
      updatedAt: nullable(dateTime),
    },
  },
  Settlement: nullable({ type: 'object', properties: { status: { type: 'string' }, cause: { type: 'string' }, amountMinor: { type: 'integer' }, currency: { type: 'string' } } }),
  DomainList: {
    type: 'object',
    required: ['data', 'next'],
    properties: { data: { type: 'array', items: ref('DomainSummary') }, next: nullable({ type: 'string', description: 'Pass as `after` for the next page.' }) },
  },
  DomainDetail: {
    type: 'object',
    required: ['domain', 'unicode', 'status', 'order', 'history', 'log'],
    properties: {
      domain: { type: 'string' },
      unicode: { type: 'string' },
      status: nullable({ type: 'string' }),
      order: nullable(ref('Order')),
      settlement: ref('Settlement'),
      history: { type: 'array', items: { type: 'object', required: ['to', 'cause', 'at'], properties: { from: nullable({ type: 'string' }), to: { type: 'string' }, cause: { type: 'string' }, actor: { type: 'string' }, detail: nullable({ type: 'string' }), at: dateTime } } },
      log: { type: 'array', items: { type: 'object', required: ['action', 'outcome', 'at'], properties: { action: { type: 'string' }, outcome: { type: 'string' }, registrar: nullable({ type: 'string' }), message: nullable({ type: 'string' }), at: dateTime } } },
    },
  },
  TransferCreated: {
    type: 'object',
    required: ['domain', 'clientId', 'invoiceUrl', 'order'],
    properties: { domain: { type: 'string' }, clientId: { type: 'string' }, invoiceUrl: { type: 'string' }, order: ref('Order') },
  },
  Queued: { type: 'object', required: ['domain', 'status'], properties: { domain: { type: 'string' }, status: { const: 'queued' } } },
  Cancelled: { type: 'object', required: ['domain', 'status', 'settlement'], properties: { domain: { type: 'string' }, status: { const: 'cancelled' }, settlement: ref('Settlement') } },
  Lock: { type: 'object', required: ['lock'], properties: { lock: { enum: ['locked', 'unlocked', 'requested'] } } },
  EppCode: {
    type: 'object',
    required: ['delivery'],
    properties: { delivery: { enum: ['code', 'emailed'] }, authCode: { type: 'string', description: 'Shown in this answer only; not kept anywhere.' }, to: { type: 'string' } },
  },
  BulkImportStarted: { type: 'object', required: ['importId', 'status'], properties: { importId: { type: 'string' }, status: { type: 'string' }, totalRows: { type: 'integer' } } },
  BulkImport: {
    type: 'object',
    required: ['importId', 'status', 'totalRows', 'checkedRows', 'counts', 'rows', 'next'],
    properties: {
      importId: { type: 'string' },
      status: { enum: ['checking', 'ready', 'confirming', 'confirmed', 'expired'] },
      totalRows: { type: 'integer' },
      checkedRows: { type: 'integer' },
      counts: { type: 'object', properties: { accepted: { type: 'integer' }, refused: { type: 'integer' }, unchecked: { type: 'integer' } } },
      expiresAt: dateTime,
      rows: { type: 'array', items: { type: 'object', required: ['line', 'domain', 'outcome'], properties: { line: { type: 'integer' }, domain: { type: 'string' }, clientId: nullable({ type: 'string' }), outcome: { enum: ['accepted', 'refused', 'unchecked'] }, reason: nullable({ type: 'string' }), params: { type: 'object' } } } },
      next: nullable({ type: 'string' }),
    },
  },
  SyncStarted: { type: 'object', required: ['runId'], properties: { runId: nullable({ type: 'integer' }) } },
  Job: {
    type: 'object',
    required: ['id', 'type', 'status', 'attempts'],
    properties: { id: { type: 'integer' }, type: { type: 'string' }, status: { enum: ['queued', 'running', 'done', 'dead'] }, attempts: { type: 'integer' }, maxAttempts: { type: 'integer' }, lastError: nullable({ type: 'string' }), runAt: dateTime, updatedAt: dateTime },
  },
  EventPage: {
    type: 'object',
    required: ['data', 'next'],
    properties: {
      data: { type: 'array', items: { type: 'object', required: ['cursor', 'name', 'eventId', 'occurredAt', 'domain'], properties: { cursor: { type: 'string' }, name: { type: 'string' }, eventId: { type: 'string' }, occurredAt: dateTime, domain: { type: 'string' } } } },
      next: { type: 'string' },
    },
  },
} as const;
