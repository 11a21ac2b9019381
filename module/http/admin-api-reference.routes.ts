import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import { buildOpenApi } from '../api/openapi.ts';
import { API_SCOPES } from '../api/api-keys.ts';

type Schema = { type?: string | string[]; description?: string; required?: string[]; properties?: Record<string, Schema>; $ref?: string; anyOf?: Schema[]; items?: Schema; enum?: unknown[]; maxLength?: number; format?: string };
type Operation = {
  summary: string;
  security: Array<{ bearer: string[] }>;
  parameters?: Array<{ name: string; in: string; required: boolean; description?: string }>;
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
};

const refName = (schema: Schema | undefined) => schema?.$ref?.split('/').at(-1);

/** A schema's type as a reader wants it: `string`, `integer | null`, `DomainSummary[]`. */
function typeOf(schema: Schema): string {
  if (schema.$ref) return refName(schema)!;
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' | ');
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.type === 'array' && schema.items) return `${typeOf(schema.items)}[]`;
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
  return schema.format ? `${type} (${schema.format})` : type;
}

function fieldsOf(schema: Schema | undefined) {
  return Object.entries(schema?.properties ?? {}).map(([name, field]) => ({ name, type: typeOf(field), required: schema?.required?.includes(name) ?? false, description: field.description ?? '' }));
}

/** The reference's content, from the same OpenAPI document /api/v1/openapi.json serves. */
function referenceModel() {
  const doc = buildOpenApi() as { info: { version: string }; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
  const schemas = doc.components.schemas;
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const [status, success] = Object.entries(op.responses)[0]!;
      const requestSchema = op.requestBody?.content['application/json']?.schema;
      const responseName = refName(success.content?.['application/json']?.schema);
      // The curl example's lines after the URL (the page puts the address it was reached at first).
      const curlTail = requestSchema ? ` \\\n  -H 'Content-Type: application/json' -H 'Idempotency-Key: <unique>' \\\n  -d '{…}'` : method === 'post' ? ` \\\n  -H 'Idempotency-Key: <unique>'` : '';
      return {
        id: `${method}-${path.replace(/[^a-z0-9]+/gi, '-')}`.replace(/-+$/, ''),
        method: method.toUpperCase(),
        path,
        summary: op.summary,
        scope: op.security[0]?.bearer[0],
        parameters: (op.parameters ?? []).filter((p) => p.name !== 'Idempotency-Key'),
        idempotent: (op.parameters ?? []).some((p) => p.name === 'Idempotency-Key'),
        requestName: refName(requestSchema),
        requestFields: fieldsOf(requestSchema?.$ref ? schemas[refName(requestSchema)!] : requestSchema),
        status,
        responseName,
        curlTail: ` \\\n  -H 'Authorization: Bearer <key>'${curlTail}`,
      };
    }),
  );
  const shapes = Object.entries(schemas)
    .filter(([, schema]) => schema.properties)
    .map(([name, schema]) => ({ name, fields: fieldsOf(schema) }));
  return { version: doc.info.version, operations, shapes };
}

/** Admin → API keys → Reference: every operation, its scope, body and answer, for a developer. */
export function adminApiReferenceRoutes(on: DeclareRoute, pages: PageKit): void {
  // Built on the first visit, not at start-up: most instances never show it.
  let model: ReturnType<typeof referenceModel> | undefined;
  on('GET', '/api-reference', async (req, res) => {
    model ??= referenceModel();
    // The examples name the address this page was reached at (the API is mounted beside it).
    const apiBase = `${req.protocol}://${req.get('host') ?? 'localhost'}/api/v1`;
    pages.render(req, res, 'admin/api-reference', { titleKey: 'api:reference.title', scopes: API_SCOPES, apiBase, ...model });
  });
}
