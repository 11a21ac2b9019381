import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from 'pino';
import type { TFunction } from 'i18next';
import { AppError, coerceError } from '../errors.ts';
import type { Languages } from '../i18n.ts';
import { TransferRefusedError } from '../transfer-in/transfer-eligibility.service.ts';

export const PROBLEM_TYPE = 'application/problem+json';

/** Statuses with a title of their own in the catalogs (errors.titles.N). */
const TITLED = new Set([401, 403, 404, 409, 413, 422, 424, 429, 500, 503]);

/** RFC 9457 problem details, as the API answers every error. */
export interface Problem {
  /** Stable per error: `urn:domain-transfers:problem:<message key>`. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request field at fault, when there is one. */
  field?: string;
  /** For an eligibility refusal: every unmet rule, each with its own message. */
  reasons?: Array<{ rule: string; params: Record<string, unknown>; detail: string }>;
}

export function problemType(messageKey: string): string {
  return `urn:domain-transfers:problem:${messageKey}`;
}

/** The caller's language from Accept-Language only (an API caller has no cookie or profile). */
export function apiTranslator(languages: Languages, defaultLocale: string, req: Request): TFunction {
  return languages.i18n.getFixedT(languages.fromAcceptLanguage(req.headers['accept-language'], defaultLocale));
}

export function toProblem(error: AppError, t: TFunction): Problem {
  const status = error.status;
  const problem: Problem = {
    type: problemType(error.messageKey),
    title: t(TITLED.has(status) ? `errors.titles.${status}` : status >= 500 ? 'errors.titles.500' : 'errors.title'),
    status,
    detail: t(error.messageKey, error.params),
  };
  if (error.field) problem.field = error.field === 'eppCode' ? 'authCode' : error.field;
  if (error instanceof TransferRefusedError) {
    problem.reasons = error.reasons.map((reason) => ({ rule: reason.rule, params: reason.params, detail: t(`rules:${reason.rule}`, reason.params) }));
  }
  return problem;
}

/** The API's error handler: problem+json in the caller's language, never a stack trace or a page. */
export function apiErrorHandler(languages: Languages, defaultLocale: string, logger: () => Logger): ErrorRequestHandler {
  return (rawError, req, res, _next) => {
    const error = coerceError(rawError);
    if (error.status >= 500) logger().error({ err: error.cause ?? error, path: req.path, method: req.method }, 'API request failed');
    if (res.headersSent) return;
    if (error.status === 429) res.setHeader('Retry-After', String((error as AppError & { retryAfterSeconds?: number }).retryAfterSeconds ?? 60));
    if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="domain-transfers"');
    res.status(error.status).type(PROBLEM_TYPE).send(JSON.stringify(toProblem(error, apiTranslator(languages, defaultLocale, req))));
  };
}
