import type { Principal } from '../host-context.ts';
import type { MountPaths, NavItem } from './page-kit.ts';
import { permissionFor } from './declared-routes.ts';

/** The module's links in the page header: a client's pages, or the admin pages this admin may open. */
export function moduleNavigation(principal: Principal | null, mounts: MountPaths): NavItem[] {
  if (principal?.kind === 'client') {
    return [
      { href: `${mounts.client}/domains`, labelKey: 'common:nav.client_domains' },
      { href: `${mounts.client}/order/domain?action=transfer`, labelKey: 'common:nav.client_transfer' },
    ];
  }
  if (principal?.kind === 'admin') {
    const pages: Array<{ path: string; labelKey: string }> = [
      { path: '/dashboard', labelKey: 'dashboard:nav' },
      { path: '/domains', labelKey: 'common:nav.admin_domains' },
      { path: '/bulk-transfers', labelKey: 'bulk:nav' },
      { path: '/jobs', labelKey: 'common:nav.admin_jobs' },
      { path: '/sync', labelKey: 'sync:nav' },
      { path: '/registrars/manual-tasks', labelKey: 'common:nav.admin_manual_tasks' },
      { path: '/registrars/sandbox', labelKey: 'common:nav.admin_sandbox' },
      { path: '/api-keys', labelKey: 'api:keys.nav' },
    ];
    const may = (permission: string | undefined) => principal.permissions === '*' || (permission !== undefined && principal.permissions.includes(permission));
    return pages.filter((p) => may(permissionFor('GET', p.path))).map((p) => ({ href: `${mounts.admin}${p.path}`, labelKey: p.labelKey }));
  }
  return [];
}
