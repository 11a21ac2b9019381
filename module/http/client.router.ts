import { Router } from 'express';
import type { PageKit } from './page-kit.ts';
import type { ModuleServices } from '../module-services.ts';
import { transferOrderRoutes } from './transfer-order.routes.ts';
import { clientDomainRoutes } from './client-domains.routes.ts';
import { clientTransferOutRoutes } from './client-transfer-out.routes.ts';

/** Everything under /client. Every route requires a logged-in client. */
export function createClientRouter(pages: PageKit, services: ModuleServices): Router {
  const router = Router();
  router.use(pages.rememberLocaleChoice, pages.requireClient, pages.formBody, pages.verifyCsrf);
  transferOrderRoutes(router, pages, services);
  clientDomainRoutes(router, pages, services);
  clientTransferOutRoutes(router, pages, services);
  router.use(pages.errorHandler);
  return router;
}
