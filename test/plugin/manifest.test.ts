import type { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DELIVERED_EVENT_NAMES, manifest } from '../../module/index.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { embedModule } from '../support/embedded-platform.ts';

const db = useMigratedDatabase();

interface ManifestRoute {
  method: string;
  path: string;
  permission?: string;
}

type Layers = { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };

/** The routes an Express router (or an application mounted as one) really serves, as `METHOD /path`. */
function mountedRoutes(router: Router): string[] {
  const routes: string[] = [];
  const withLayers = (router as unknown as { router?: Layers }).router ?? (router as unknown as Layers);
  for (const layer of withLayers.stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.push(`${method.toUpperCase()} ${layer.route.path}`);
  }
  return routes.sort();
}

const declared = (side: 'client' | 'admin' | 'api') => ((manifest.routes as Record<string, ManifestRoute[]>)[side] ?? []).map((r) => `${r.method} ${r.path}`).sort();

describe('module.manifest.json is the truth about the module', () => {
  it('lists exactly the routes the routers serve, on both sides', async () => {
    const { module } = await embedModule(db);
    expect(mountedRoutes(module.routers.client)).toEqual(declared('client'));
    expect(mountedRoutes(module.routers.admin)).toEqual(declared('admin'));
    expect(mountedRoutes(module.routers.api)).toEqual(declared('api'));
  });

  it('gives every admin route a declared permission, and declares no permission no route uses', () => {
    const admin = (manifest.routes as Record<string, ManifestRoute[]>).admin!;
    const used = new Set(admin.map((r) => r.permission));
    const declaredIds = (manifest.permissions as Array<{ id: string }>).map((p) => p.id);
    expect(admin.filter((r) => !r.permission)).toEqual([]);
    expect([...used].sort()).toEqual([...declaredIds].sort());
  });

  it('lists the hooks it consumes (subscribed by the module itself) and every hook it emits', async () => {
    const { module } = await embedModule(db);
    const hooks = manifest.hooks as { consumes: Record<string, string>; emits: Record<string, string> };
    expect(Object.keys(hooks.consumes).sort()).toEqual([...module.subscriptions].sort());
    expect(Object.keys(hooks.emits).sort()).toEqual(['domain.transfer.before', ...DELIVERED_EVENT_NAMES].sort());
  });

  it('lists the scheduled tasks the module runs', async () => {
    const { module } = await embedModule(db);
    expect((manifest.cronTasks as Array<{ id: string }>).map((t) => t.id).sort()).toEqual(module.cronTasks.map((t) => t.id).sort());
  });

  it('names the compiled entry the package exports', async () => {
    const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')));
    expect(`./${manifest.entry}`).toBe(pkg.exports['.'].default);
    expect(manifest.version).toBe(pkg.version);
  });
});

describe('admin permissions from the manifest are checked on every admin route', () => {
  const admin = (permissions: '*' | string[]) => ({ kind: 'admin', adminId: '9', name: 'Staff', sessionId: 'session-perm-000001', permissions });

  it('refuses Retry (403) to an admin without jobs.manage, who may still see the jobs', async () => {
    const platform = await embedModule(db);
    await platform.module.services.queue.enqueue('SendNotificationsJob', 'dead-one', { messages: [] });
    await db.knex('dt_jobs').where({ key: 'dead-one' }).update({ status: 'dead', last_error: 'notifier down' });
    const { id } = await db.knex('dt_jobs').where({ key: 'dead-one' }).first('id');
    const as = platform.as(admin(['jobs.view']));
    const jobs = await request(platform.app).get('/admin/jobs').set(as);
    expect(jobs.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(jobs.text)![1];
    const retry = await request(platform.app).post(`/admin/jobs/${id}/retry`).set(as).type('form').send({ _csrf: csrf });
    expect(retry.status).toBe(403);
    expect(retry.text).toContain('jobs.manage');
    expect(await db.knex('dt_jobs').where({ id }).first()).toMatchObject({ status: 'dead' });
    const allowed = await request(platform.app).post(`/admin/jobs/${id}/retry`).set(platform.as(admin(['jobs.view', 'jobs.manage']))).type('form').send({ _csrf: csrf });
    expect(allowed.status).toBe(303);
  });

  it('hides the pages an admin may not open from the navigation, and refuses them', async () => {
    const platform = await embedModule(db);
    const as = platform.as(admin(['domains.view_all']));
    const domains = await request(platform.app).get('/admin/domains').set(as);
    expect(domains.status).toBe(200);
    expect(domains.text).toContain('href="/admin/domains"');
    expect(domains.text).not.toContain('href="/admin/jobs"');
    expect(domains.text).not.toContain('href="/admin/sync"');
    expect((await request(platform.app).get('/admin/sync').set(as)).status).toBe(403);
    expect((await request(platform.app).get('/admin/registrars/sandbox').set(as)).status).toBe(403);
  });

  it('offers a bulk action only to an admin who may take the single action, and refuses it (403) to one who may not', async () => {
    const platform = await embedModule(db);
    const viewer = platform.as(admin(['domains.view_all']));
    const list = await request(platform.app).get('/admin/domains').set(viewer);
    expect(list.text).not.toContain('action="/admin/domains/bulk-action"');
    const locker = platform.as(admin(['domains.view_all', 'domains.transfer_out.manage']));
    const offered = await request(platform.app).get('/admin/domains').set(locker);
    expect(offered.text).toContain('<option value="unlock">');
    expect(offered.text).not.toContain('<option value="sync">');
    // The same session (and so the same form token) with fewer permissions.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(offered.text)![1];
    const refused = await request(platform.app).post('/admin/domains/bulk-action').set(viewer).type('form').send({ _csrf: csrf, action: 'unlock' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('domains.transfer_out.manage');
    expect(await db.knex('dt_bulk_actions').count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });

  it('answers 403 to a client on every admin route the manifest declares, and writes nothing', async () => {
    const platform = await embedModule(db);
    const client = platform.as({ kind: 'client', clientId: platform.clientId, name: 'Ada', sessionId: 'session-client-00001' });
    const routes = (manifest.routes as Record<string, ManifestRoute[]>).admin!;
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const path = `/admin${route.path.replace(/:(\w+)/g, (_, name: string) => (name === 'domain' ? 'example.com' : '1'))}`;
      const answer = route.method === 'GET' ? await request(platform.app).get(path).set(client) : await request(platform.app).post(path).set(client).type('form').send({ action: 'lock', paste: 'a.com,code1234' });
      expect(answer.status, `${route.method} ${path}`).toBe(403);
    }
    for (const table of ['dt_bulk_imports', 'dt_bulk_actions', 'dt_transfer_orders', 'dt_audit_log']) {
      expect(await db.knex(table).count({ n: '*' }).first(), table).toMatchObject({ n: 0 });
    }
  });

  it('lets an admin with "*" open every admin page', async () => {
    const platform = await embedModule(db);
    const as = platform.as(admin('*'));
    for (const path of ['/admin/domains', '/admin/jobs', '/admin/sync', '/admin/registrars/sandbox', '/admin/registrars/manual-tasks']) {
      expect((await request(platform.app).get(path).set(as)).status, path).toBe(200);
    }
  });
});
