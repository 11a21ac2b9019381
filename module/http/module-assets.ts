import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { MODULE_VIEWS_DIRECTORY } from './view-renderer.ts';

export const MODULE_ASSETS_DIRECTORY = path.join(MODULE_VIEWS_DIRECTORY, 'assets');

/** The files every page links (views/assets/). */
export const STYLESHEET = 'domain-transfers.css';
export const SCRIPT = 'domain-transfers.js';

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

interface Asset {
  body: Buffer;
  contentType: string;
  version: string;
}

/**
 * The pages' stylesheet and script, served as files because a Content-Security-Policy without
 * 'unsafe-inline' runs no inline <script> or <style>. Read once; a URL carries the file's
 * content hash, so a browser may keep it for good and an upgrade still reaches everyone.
 */
export class ModuleAssets {
  private readonly files = new Map<string, Asset>();

  constructor(directory = MODULE_ASSETS_DIRECTORY) {
    for (const name of fs.readdirSync(directory)) {
      const contentType = CONTENT_TYPES[path.extname(name)];
      if (!contentType) continue;
      const body = fs.readFileSync(path.join(directory, name));
      this.files.set(name, { body, contentType, version: crypto.createHash('sha256').update(body).digest('hex').slice(0, 12) });
    }
    for (const name of [STYLESHEET, SCRIPT]) {
      if (!this.files.has(name)) throw new Error(`domain-transfers: ${path.join(directory, name)} is missing; the package is incomplete`);
    }
  }

  /** Where a page links `name` when the assets are served at `base`. */
  url(base: string, name: string): string {
    return `${base.replace(/\/+$/, '')}/${name}?v=${this.files.get(name)?.version ?? ''}`;
  }

  /** Serves the files to anyone, logged in or not: they hold no data, and the login page needs them too. */
  router(): Router {
    const router = Router();
    router.get('/:name', (req, res, next) => {
      const asset = this.files.get(req.params.name);
      if (!asset) return next();
      res.setHeader('Content-Type', asset.contentType);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // Only the current version may be kept for good: an old ?v= must not pin an old file.
      res.setHeader('Cache-Control', req.query.v === asset.version ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.send(asset.body);
    });
    return router;
  }
}
