import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { BillingPort } from '../host-context.ts';
import type { ModuleServices } from '../module-services.ts';
import type { Languages } from '../i18n.ts';
import { InputError, NotFoundError } from '../errors.ts';
import { listDomains, parseDomainListQuery } from '../domains/domain-list.query.ts';
import type { ApiRateLimiter } from './api-rate-limit.ts';
import type { ApiKeys } from './api-keys.ts';
import { apiErrorHandler } from './problem.ts';
import { idempotency } from './idempotency.ts';
import { domainDetail, domainSummary, orderSummary } from './api-representations.ts';
import { apiEventRoutes } from './api-events.routes.ts';
import { apiBulkRoutes } from './api-bulk.routes.ts';
import { buildOpenApi } from './openapi.ts';
import { checkBody } from './request-bodies.ts';
import type { ApiReadCache } from './read-cache.ts';
import { apiActionRoutes, callerOf, domainParam, handle, need, principalOf } from './api-actions.routes.ts';

export interface ApiRouterDeps {
  services: ModuleServices;
  billing: BillingPort;
  apiKeys: ApiKeys;
  languages: Languages;
  defaultLocale: string;
  logger: () => Logger;
  /** Requests per key per minute (api.requestsPerMinute). */
  requestsPerMinute: number;
  /** The per-key count; the module drains it on stop(). */
  limiter: ApiRateLimiter;
  /** Domain reads kept between database changes; the module closes it on stop(). */
  reads: ApiReadCache;
}

/**
 * /api/v1: the JSON API. A bearer key (never a cookie, so no CSRF), scopes per operation, a
 * rate limit per key held in the database, Idempotency-Key on every POST, and RFC 9457
 * problem details in the caller's language. Each operation goes through the same service as
 * its page.
 */
export function createApiRouter(deps: ApiRouterDeps): Router {
  const { services, apiKeys } = deps;
  // An application of its own, mounted like a router, so its settings are its own: answers are
  // never cached (Cache-Control: no-store), so no ETag is computed for them.
  const router = express();
  router.disable('etag');
  router.disable('x-powered-by');
  const { limiter } = deps;
  router.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  // The description of the API is public: a developer reads it before having a key.
  const openApi = JSON.stringify(buildOpenApi());
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').setHeader('Cache-Control', 'public, max-age=300');
    res.send(openApi);
  });
  const { reads } = deps;
  router.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    reads
      .version()
      .then((version) => {
        res.locals.databaseVersion = version;
        return apiKeys.authenticate(req.get('Authorization'), version);
      })
      .then(async (caller) => {
        res.locals.apiCaller = caller;
        res.setHeader('RateLimit-Policy', `${deps.requestsPerMinute};w=60`);
        await limiter.take(caller.keyId, deps.requestsPerMinute);
      })
      .then(() => next(), next);
  });
  router.use(idempotency({ knex: services.knex, clock: services.clock, callerOf }));
  // What a caller may see depends on its client binding, so that is part of the key.
  const readKey = (req: express.Request, res: express.Response) => `${callerOf(res).clientId ?? '*'}\n${req.originalUrl}`;

  router.get(
    '/domains',
    need('domains:read'),
    handle(async (req, res) => {
      const caller = callerOf(res);
      const query = parseDomainListQuery({ ...(req.query as Record<string, unknown>), ...(caller.clientId ? { client: caller.clientId } : {}) });
      await reads.sendJson(res, readKey(req, res), res.locals.databaseVersion, async () => {
        const page = await listDomains(services.knex, query);
        const names = caller.clientId ? new Map<string, string>() : await services.clientNames(page.rows.map((row) => row.client_id));
        return { data: page.rows.map((row) => domainSummary(row, names.get(row.client_id))), next: page.next ?? null };
      });
    }),
  );

  router.get(
    '/domains/:domain',
    need('domains:read'),
    handle(async (req, res) => {
      const name = domainParam(req.params.domain);
      await reads.sendJson(res, readKey(req, res), res.locals.databaseVersion, async () => domainDetail(await services.domains.viewFor(principalOf(callerOf(res)), name)));
    }),
  );

  router.post(
    '/transfers',
    need('transfers:write'),
    handle(async (req, res) => {
      const caller = callerOf(res);
      const body = checkBody<{ clientId?: string | number; domain: string; authCode: string }>('TransferRequest', req.body);
      const clientId = caller.clientId ?? (body.clientId === undefined ? undefined : String(body.clientId));
      if (!clientId) throw new InputError('api:errors.client_required', {}, 'clientId');
      if (caller.clientId && body.clientId !== undefined && String(body.clientId) !== caller.clientId) throw new NotFoundError();
      if (!(await deps.billing.getClient(clientId))) throw new InputError('bulk:row.unknown_client', { client: clientId.slice(0, 64) }, 'clientId');
      const { order, invoiceUrl } = await services.transferOrders.placeOrder(clientId, { domain: body.domain, eppCode: body.authCode });
      res.status(201).location(`${req.baseUrl}/domains/${order.domain}`).json({ domain: order.domain, clientId: order.client_id, invoiceUrl, order: orderSummary(order) });
    }),
  );

  apiActionRoutes(router, services);
  apiEventRoutes(router, services);
  apiBulkRoutes(router, services);

  router.use((_req, _res, next) => next(new NotFoundError()));
  router.use(apiErrorHandler(deps.languages, deps.defaultLocale, deps.logger));
  return router;
}

