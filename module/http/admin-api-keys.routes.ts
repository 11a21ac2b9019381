import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { API_SCOPES } from '../api/api-keys.ts';
import { NotFoundError } from '../errors.ts';

/** Admin → API keys: create (the token shown once, never again) and revoke. */
export function adminApiKeyRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  const render = async (req: Parameters<PageKit['render']>[0], res: Parameters<PageKit['render']>[1], extra: Record<string, unknown> = {}, status = 200) => {
    const keys = await services.apiKeys.list();
    pages.render(
      req,
      res,
      'admin/api-keys',
      {
        titleKey: 'api:keys.title',
        keys: keys.map((key) => ({ ...key, scopeList: (JSON.parse(key.scopes) as string[]).join(', ') })),
        scopes: API_SCOPES,
        ...extra,
      },
      status,
    );
  };

  on('GET', '/api-keys', async (req, res) => render(req, res));

  on('POST', '/api-keys', async (req, res) => {
    const principal = pages.principal(req);
    if (principal?.kind !== 'admin') throw new NotFoundError();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const scopes = ([] as unknown[]).concat(body.scopes ?? []).filter((s): s is string => typeof s === 'string');
    const { key, token } = await services.apiKeys.create({ name: String(body.name ?? ''), scopes, clientId: typeof body.client === 'string' ? body.client : undefined, actor: `admin:${principal.adminId}` });
    // Shown in this answer only: not stored, not logged, not cached.
    res.setHeader('Cache-Control', 'no-store');
    await render(req, res, { created: { ...key, token } }, 201);
  });

  on('POST', '/api-keys/:keyId/revoke', async (req, res) => {
    const principal = pages.principal(req);
    if (principal?.kind !== 'admin') throw new NotFoundError();
    const id = Number(req.params.keyId);
    if (!Number.isSafeInteger(id) || id < 1) throw new NotFoundError();
    await services.apiKeys.revoke(id, `admin:${principal.adminId}`);
    res.redirect(303, `${req.baseUrl}/api-keys`);
  });
}
