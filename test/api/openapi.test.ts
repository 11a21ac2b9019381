import { Ajv2020 } from 'ajv/dist/2020.js';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../module/index.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createTransferWorld } from '../transfer-in/transfer-in.support.ts';
import { openApiDocument } from './openapi.support.ts';
import { DEMO, loginAs } from '../../host/test/host.test-support.ts';

const db = useMigratedDatabase();

describe('the OpenAPI 3.1 document', () => {
  it('is served without a key, describes every API route the manifest declares, and each schema compiles', async () => {
    const world = await createTransferWorld(db);
    const served = await request(world.host.app).get('/api/v1/openapi.json');
    expect(served.status).toBe(200);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    expect(served.body.openapi).toBe('3.1.0');
    const routes = (manifest.routes as Record<string, Array<{ method: string; path: string; public?: boolean }>>).api!.filter((r) => !r.public);
    for (const route of routes) {
      const operation = served.body.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.security).toEqual([{ bearer: [expect.any(String)] }]);
    }
    // Every $ref points at a schema that exists, and every schema is valid JSON Schema 2020-12.
    const refs = JSON.stringify(served.body).match(/"#\/components\/schemas\/(\w+)"/g) ?? [];
    for (const ref of refs) expect(served.body.components.schemas[ref.slice(22, -1)], ref).toBeDefined();
    const ajv = new Ajv2020({ strict: false, validateSchema: true });
    ajv.addFormat('date-time', true);
    ajv.addSchema({ $id: 'api', components: served.body.components });
    for (const name of Object.keys(served.body.components.schemas)) expect(ajv.getSchema(`api#/components/schemas/${name}`), name).toBeTypeOf('function');
    await world.host.close();
  });
});

describe('the API reference page', () => {
  it('shows an admin every operation of the OpenAPI document with its scope, body fields and a curl example, in their language', async () => {
    const world = await createTransferWorld(db);
    const admin = await loginAs(world.host, DEMO.admin);
    const page = await admin.get('/admin/api-reference');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    const html = page.text.replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=');
    const operations = Object.entries(openApiDocument.paths as unknown as Record<string, Record<string, { security: Array<{ bearer: string[] }> }>>).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, scope: op.security[0]!.bearer[0]! })));
    expect(operations.length).toBeGreaterThan(10);
    for (const op of operations) {
      expect(html, `${op.method} ${op.path}`).toContain(`<code>${op.method.toUpperCase()} ${op.path}</code>`);
      expect(html).toContain(`curl -X ${op.method.toUpperCase()} 'http://127.0.0.1`);
    }
    // A request body's fields with their descriptions, and the answers' shapes.
    expect(html).toContain('<code>authCode</code>');
    expect(html).toContain('The EPP (auth) code, exactly as the current registrar gave it.');
    expect(html).toContain('id="schema-DomainDetail"');
    expect(html).toContain('Idempotency-Key');
    const zh = await admin.get('/admin/api-reference?lang=zh-CN');
    expect(zh.text).toContain('API 参考');
    expect(zh.text).toContain('幂等性');
    // Clients do not get it.
    expect((await world.client.get('/admin/api-reference')).status).toBe(403);
    await world.host.close();
  });
});
