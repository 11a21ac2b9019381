import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Response } from 'supertest';
import { expect } from 'vitest';
import { buildOpenApi } from '../../module/api/openapi.ts';

type Operation = { responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }> };

const document = buildOpenApi() as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
ajv.addSchema({ $id: 'api', components: document.components });

/** The documented operation for a request path (`/api/v1/domains/x.com/lock` → `/domains/{domain}/lock`). */
function operationOf(method: string, url: string): Operation | undefined {
  const path = new URL(url, 'http://x').pathname.replace(/^\/api\/v1/, '');
  for (const [template, methods] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
    if (pattern.test(path)) return methods[method.toLowerCase()];
  }
  return undefined;
}

/** Fails unless the answer is one the document describes, with a body its schema accepts. */
export function expectDocumented(method: string, url: string, answer: Response): void {
  const operation = operationOf(method, url);
  expect(operation, `${method} ${url} is not in the OpenAPI document`).toBeDefined();
  const described = operation!.responses[String(answer.status)];
  expect(described, `${method} ${url} answered ${answer.status}, which the document does not list`).toBeDefined();
  const [type, { schema }] = Object.entries(described!.content)[0]!;
  expect(answer.headers['content-type'] ?? '', `${method} ${url}`).toContain(type);
  const validate = ajv.getSchema(`api${schema.$ref.replace(/^#/, '#')}`)!;
  const valid = validate(answer.body);
  expect(valid, `${method} ${url} ${answer.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

export { document as openApiDocument };
