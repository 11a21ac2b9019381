import type { Request, Response } from 'express';
import type { PageKit } from '../../module/index.ts';
import type { FlashMessage } from '../auth/session.principal.ts';

/** Shows a message once, on the next page this session renders (post/redirect/get). */
export function setFlash(req: Request, flash: FlashMessage): void {
  if (req.session) req.session.flash = flash;
}

/** pages.render plus the pending flash message, translated in the page's language. */
export function renderPage(
  pages: PageKit,
  req: Request,
  res: Response,
  view: string,
  data: Record<string, unknown> = {},
  status = 200,
): void {
  const flash = req.session?.flash;
  if (flash) delete req.session.flash;
  const t = pages.t(req);
  pages.render(req, res, view, { ...data, flash: flash ? { kind: flash.kind, message: t(flash.key, flash.params ?? {}) } : data.flash }, status);
}
