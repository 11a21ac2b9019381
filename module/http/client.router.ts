import { Router } from 'express';
import type { PageKit } from './page-kit.ts';
import type { ModuleServices } from '../module-services.ts';
import { transferOrderRoutes } from './transfer-order.routes.ts';
import { clientDomainRoutes } from './client-domains.routes.ts';
import { transferOutRoutes } from './transfer-out.routes.ts';

/** Everything under /client. Every route requires a logged-in client. */
export function createClientRouter(pages: PageKit, services: ModuleServices): Router {
  const router = Router();
  router.use(pages.rememberLocaleChoice, pages.requireClient, pages.formBody, pages.verifyCsrf);
  transferOrderRoutes(router, pages, services);
  clientDomainRoutes(router, pages, services);
  transferOutRoutes(router, pages, services, 'client');
  router.use(pages.errorHandler);
  return router;
}
