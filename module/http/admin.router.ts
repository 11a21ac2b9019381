import { Router } from 'express';
import type { PageKit } from './page-kit.ts';
import type { ModuleServices } from '../module-services.ts';
import { routeDeclarer } from './declared-routes.ts';
import { adminDashboardRoutes } from './admin-dashboard.routes.ts';
import { adminDomainRoutes } from './admin-domains.routes.ts';
import { transferOutRoutes } from './transfer-out.routes.ts';
import { adminJobRoutes } from './admin-jobs.routes.ts';
import { adminRegistrarRoutes } from './admin-registrars.routes.ts';
import { adminSandboxFaultRoutes } from './admin-sandbox-faults.routes.ts';
import { adminSyncRoutes } from './admin-sync.routes.ts';
import { adminBulkRoutes } from './admin-bulk.routes.ts';
import { adminBulkActionRoutes } from './admin-bulk-actions.routes.ts';
import { adminApiKeyRoutes } from './admin-api-keys.routes.ts';
import { adminApiReferenceRoutes } from './admin-api-reference.routes.ts';

/**
 * The admin pages, wherever the host mounts them (`/admin` by default). Every route requires an
 * admin (a client gets 403) with the permission module.manifest.json names for it.
 */
export function createAdminRouter(pages: PageKit, services: ModuleServices): Router {
  const router = Router();
  // Ahead of the login check: the files hold nothing private, and pages shown before a login
  // (an error page, a host's login page in the module's layout) link them too.
  router.use('/assets', pages.assets);
  router.use(pages.mountedAs('admin'), pages.authenticate, pages.rememberLocaleChoice, pages.requireAdmin, pages.formBody, pages.verifyCsrf);
  const on = routeDeclarer(router, pages, 'admin');
  adminDashboardRoutes(on, pages, services);
  adminBulkActionRoutes(on, pages, services);
  adminDomainRoutes(on, pages, services);
  transferOutRoutes(on, pages, services, 'admin');
  adminJobRoutes(on, pages, services);
  adminRegistrarRoutes(on, pages, services);
  adminSandboxFaultRoutes(on, pages, services);
  adminSyncRoutes(on, pages, services);
  adminBulkRoutes(on, pages, services);
  adminApiKeyRoutes(on, pages, services);
  adminApiReferenceRoutes(on, pages);
  router.use(pages.errorHandler);
  return router;
}
