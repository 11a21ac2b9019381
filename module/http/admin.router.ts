import { Router } from 'express';
import type { PageKit } from './page-kit.ts';
import type { ModuleServices } from '../module-services.ts';
import { adminDomainRoutes } from './admin-domains.routes.ts';
import { transferOutRoutes } from './transfer-out.routes.ts';
import { adminJobRoutes } from './admin-jobs.routes.ts';
import { adminRegistrarRoutes } from './admin-registrars.routes.ts';
import { adminSyncRoutes } from './admin-sync.routes.ts';

/** Everything under /admin. Every route requires an admin; a client gets 403. */
export function createAdminRouter(pages: PageKit, services: ModuleServices): Router {
  const router = Router();
  router.use(pages.rememberLocaleChoice, pages.requireAdmin, pages.formBody, pages.verifyCsrf);
  adminDomainRoutes(router, pages, services);
  transferOutRoutes(router, pages, services, 'admin');
  adminJobRoutes(router, pages, services);
  adminRegistrarRoutes(router, pages, services);
  adminSyncRoutes(router, pages, services);
  router.use(pages.errorHandler);
  return router;
}
