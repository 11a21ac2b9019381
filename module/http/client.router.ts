import { Router } from 'express';
import type { PageKit } from './page-kit.ts';
import type { ModuleServices } from '../module-services.ts';
import { routeDeclarer } from './declared-routes.ts';
import { transferOrderRoutes } from './transfer-order.routes.ts';
import { clientDomainRoutes } from './client-domains.routes.ts';
import { transferOutRoutes } from './transfer-out.routes.ts';

/** The client pages, wherever the host mounts them (`/client` by default). Every route requires a logged-in client. */
export function createClientRouter(pages: PageKit, services: ModuleServices): Router {
  const router = Router();
  // Ahead of the login check: the files hold nothing private, and pages shown before a login
  // (an error page, a host's login page in the module's layout) link them too.
  router.use('/assets', pages.assets);
  router.use(pages.mountedAs('client'), pages.authenticate, pages.rememberLocaleChoice, pages.requireClient, pages.formBody, pages.verifyCsrf);
  const on = routeDeclarer(router, pages, 'client');
  transferOrderRoutes(on, pages, services);
  clientDomainRoutes(on, pages, services);
  transferOutRoutes(on, pages, services, 'client');
  router.use(pages.errorHandler);
  return router;
}
