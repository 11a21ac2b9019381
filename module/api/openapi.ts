import { manifest } from '../config.ts';
import { API_SCOPES } from './api-keys.ts';
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from './api-schemas.ts';

interface ApiRoute {
  method: string;
  path: string;
  scope: string;
  description: string;
  /** Served without a key (the description itself). */
  public?: boolean;
}

/** Per operation: its request body schema and its success response (status and schema). */
const OPERATIONS: Record<string, { request?: keyof typeof REQUEST_SCHEMAS; status: number; response: keyof typeof RESPONSE_SCHEMAS; query?: string[]; idempotent?: boolean }> = {
  'GET /domains': { status: 200, response: 'DomainList', query: ['status', 'registrar', 'tld', 'client', 'failure', 'q', 'sort', 'dir', 'limit', 'after'] },
  'GET /domains/:domain': { status: 200, response: 'DomainDetail' },
  'POST /transfers': { request: 'TransferRequest', status: 201, response: 'TransferCreated', idempotent: true },
  'POST /domains/:domain/lock': { status: 200, response: 'Lock', idempotent: true },
  'POST /domains/:domain/unlock': { status: 200, response: 'Lock', idempotent: true },
  'POST /domains/:domain/epp-code': { status: 200, response: 'EppCode', idempotent: true },
  'POST /domains/:domain/transfer/code': { request: 'CodeRequest', status: 202, response: 'Queued', idempotent: true },
  'POST /domains/:domain/transfer/retry': { status: 202, response: 'Queued', idempotent: true },
  'POST /domains/:domain/transfer/cancel': { status: 200, response: 'Cancelled', idempotent: true },
  'POST /sync': { request: 'SyncRequest', status: 202, response: 'SyncStarted', idempotent: true },
  'POST /bulk-imports': { request: 'BulkImportRequest', status: 202, response: 'BulkImportStarted', idempotent: true },
  'GET /bulk-imports/:importId': { status: 200, response: 'BulkImport', query: ['outcome', 'after'] },
  'POST /bulk-imports/:importId/confirm': { status: 202, response: 'BulkImportStarted', idempotent: true },
  'GET /events': { status: 200, response: 'EventPage', query: ['after', 'limit'] },
  'GET /jobs/:id': { status: 200, response: 'Job' },
};

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

/** OpenAPI 3.1 for /api/v1, from the manifest's routes and the schemas the API validates with. */
export function buildOpenApi(): Record<string, unknown> {
  const routes = (manifest.routes as Record<string, ApiRoute[]>).api ?? [];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes.filter((r) => !r.public)) {
    const key = `${route.method} ${route.path}`;
    const op = OPERATIONS[key];
    if (!op) throw new Error(`OpenAPI: no operation described for ${key}`);
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...[...route.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...(op.query ?? []).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
      ...(op.idempotent ? [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'Replays within 24 h return the first response.', schema: { type: 'string', maxLength: 191 } }] : []),
    ];
    paths[path] ??= {};
    paths[path]![route.method.toLowerCase()] = {
      operationId: `${route.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/(^|[/-])(\w)/g, (_, __, c: string) => c.toUpperCase())}`,
      summary: route.description,
      security: [{ bearer: [route.scope] }],
      ...(parameters.length ? { parameters } : {}),
      ...(op.request ? { requestBody: { required: op.request !== 'SyncRequest', content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.request}` } } } } } : {}),
      responses: {
        [String(op.status)]: { description: 'Done.', content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.response}` } } } },
        '401': problem('No key, or an unknown or revoked one.'),
        '403': problem(`The key lacks the scope ${route.scope}.`),
        '404': problem('Not found, or not this key’s client’s.'),
        '409': problem('Not possible in the current state.'),
        '422': problem('The request is not valid; `field` names the part, `reasons` every unmet transfer rule.'),
        '429': problem('Too many requests with this key; see Retry-After.'),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'domain-transfers API', version: manifest.version, description: 'Transfer-in and transfer-out of domain names. Errors are RFC 9457 problem details in the caller’s Accept-Language.' },
    servers: [{ url: '/api/v1' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: `An API key from Admin → API keys. Scopes: ${API_SCOPES.join(', ')}.` } },
      schemas: { ...REQUEST_SCHEMAS, ...RESPONSE_SCHEMAS },
    },
  };
}
