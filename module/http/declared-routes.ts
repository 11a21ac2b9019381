import type { RequestHandler, Router } from 'express';
import { manifest } from '../config.ts';
import type { MountPaths, PageKit } from './page-kit.ts';

export type RouteMethod = 'GET' | 'POST';

/** A route as module.manifest.json declares it: relative to its router's mount. */
export interface DeclaredRoute {
  method: RouteMethod;
  path: string;
  query?: string;
  /** Admin routes: the permission an admin needs. */
  permission?: string;
  description?: string;
}

export interface DeclaredPermission {
  id: string;
  description: string;
}

export function declaredRoutes(side: keyof MountPaths): DeclaredRoute[] {
  return ((manifest.routes as Record<string, DeclaredRoute[]>)[side] ?? []).map((r) => ({ ...r }));
}

export function declaredPermissions(): DeclaredPermission[] {
  return (manifest.permissions as DeclaredPermission[]).map((p) => ({ ...p }));
}

/** The permission the manifest gives an admin route (for navigation and buttons). */
export function permissionFor(method: RouteMethod, path: string): string | undefined {
  return declaredRoutes('admin').find((r) => r.method === method && r.path === path)?.permission;
}

/**
 * Registers the routes of one router from module.manifest.json, which is the truth: a route
 * the manifest does not declare cannot be added, and an admin route gets the permission check
 * the manifest names in front of its handler.
 */
export function routeDeclarer(router: Router, pages: PageKit, side: keyof MountPaths) {
  const declared = declaredRoutes(side);
  return (method: RouteMethod, path: string, ...handlers: RequestHandler[]): void => {
    const entry = declared.find((r) => r.method === method && r.path === path);
    if (!entry) throw new Error(`domain-transfers: ${side} route ${method} ${path} is not declared in module.manifest.json`);
    const guards: RequestHandler[] = [];
    if (side === 'admin') {
      if (!entry.permission) throw new Error(`domain-transfers: admin route ${method} ${path} declares no permission in module.manifest.json`);
      guards.push(pages.requirePermission(entry.permission));
    }
    if (method === 'GET') router.get(path, ...guards, ...handlers);
    else router.post(path, ...guards, ...handlers);
  };
}

export type DeclareRoute = ReturnType<typeof routeDeclarer>;
