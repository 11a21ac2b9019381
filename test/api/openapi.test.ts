import { Ajv2020 } from 'ajv/dist/2020.js';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../module/index.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createTransferWorld } from '../transfer-in/transfer-in.support.ts';
import { openApiDocument } from './openapi.support.ts';

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
