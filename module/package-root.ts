import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own folder: the nearest one above this file that holds module.manifest.json.
 * The sources (module/*.ts) and the compiled package (dist/module/*.js) sit at different
 * depths, and both find the same views, message catalogs and manifest through it.
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'module.manifest.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`domain-transfers: module.manifest.json not found above ${from}; the package is incomplete`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
