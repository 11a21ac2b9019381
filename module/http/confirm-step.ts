import type { Request, RequestHandler } from 'express';
import type { PageKit } from './page-kit.ts';

/**
 * The confirmation step of a destructive action, without JavaScript: a post that lacks
 * `confirm=yes` answers with a page that says what will happen and posts the same fields
 * again, confirmed. With JavaScript the form's `data-confirm` asks in place (layout script),
 * and the post arrives confirmed.
 */
export function confirmFirst(pages: PageKit, what: (req: Request) => Promise<{ questionKey: string; params?: Record<string, string>; back: string }>): RequestHandler {
  return async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.confirm === 'yes') return next();
    // `what` also checks that the asker may act at all: a stranger gets the same 404 as without the step.
    const { questionKey, params, back } = await what(req);
    const fields = Object.entries(body)
      .filter(([name, value]) => name !== '_csrf' && name !== 'confirm' && typeof value === 'string')
      .map(([name, value]) => ({ name, value }));
    pages.render(req, res, 'confirm', { titleKey: 'common:confirm.title', questionKey, questionParams: params ?? {}, action: req.originalUrl, fields, back, pagePath: back });
  };
}
