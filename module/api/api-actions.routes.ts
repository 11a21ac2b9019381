import type { NextFunction, Request, Response, Router } from 'express';
import type { AdminPrincipal, ClientPrincipal } from '../host-context.ts';
import type { ModuleServices } from '../module-services.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { normalizeDomain } from '../transfer-in/domain-name.ts';
import type { ApiCaller, ApiScope } from './api-keys.ts';
import { checkBody } from './request-bodies.ts';

export const callerOf = (res: Response): ApiCaller => res.locals.apiCaller as ApiCaller;

/** Every handler's errors reach the API's error handler (Express 4 does not catch rejections). */
export const handle = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

/** Refuses a caller whose key lacks `scope` (403, naming it). */
export function need(scope: ApiScope) {
  return (_req: Request, res: Response, next: NextFunction) => next(callerOf(res).scopes.has(scope) ? undefined : new ForbiddenError('api:errors.scope_missing', { scope }));
}

/**
 * The principal the pages' services see for an API caller: the client a key is bound to, or
 * staff with every permission (the key's scopes were checked first).
 */
export function principalOf(caller: ApiCaller): ClientPrincipal | AdminPrincipal {
  const sessionId = `api-key:${caller.prefix}`;
  return caller.clientId ? { kind: 'client', clientId: caller.clientId, sessionId } : { kind: 'admin', adminId: caller.prefix, name: `API key ${caller.prefix}`, sessionId, permissions: '*' };
}

export function domainParam(raw: unknown): string {
  try {
    return normalizeDomain(String(raw ?? '')).domain;
  } catch {
    throw new NotFoundError();
  }
}

const actorOf = (caller: ApiCaller) => (caller.clientId ? `client:${caller.clientId}` : `api:${caller.prefix}`);

/**
 * The API's actions on one domain, each the service its page button uses: lock and unlock,
 * the EPP code for a transfer-out, a corrected code, an admin's retry, a cancel; and a sync
 * run and a job's state.
 */
export function apiActionRoutes(router: Router, services: ModuleServices): void {
  for (const locked of [true, false]) {
    router.post(
      `/domains/:domain/${locked ? 'lock' : 'unlock'}`,
      need('domains:write'),
      handle(async (req, res) => {
        const { state } = await services.transferOut.setLock({ principal: principalOf(callerOf(res)), req }, domainParam(req.params.domain), locked);
        res.json({ lock: state });
      }),
    );
  }

  /**
   * The code is fetched fresh, handed over in this answer only and kept nowhere: not in the
   * database, not for an Idempotency-Key replay (which answers 409, as the page does a reload).
   */
  router.post(
    '/domains/:domain/epp-code',
    need('epp:read'),
    handle(async (req, res) => {
      const domain = domainParam(req.params.domain);
      const delivery = await services.transferOut.requestEppCode({ principal: principalOf(callerOf(res)), req }, domain);
      res.locals.replayInstead = { status: 409, messageKey: 'api:errors.code_already_issued', params: { time: services.clock.now().toISOString() } };
      res.setHeader('Cache-Control', 'no-store');
      res.json(delivery.kind === 'code' ? { delivery: 'code', authCode: delivery.code } : { delivery: 'emailed', to: delivery.to });
    }),
  );

  router.post(
    '/domains/:domain/transfer/code',
    need('transfers:write'),
    handle(async (req, res) => {
      const caller = callerOf(res);
      const domain = domainParam(req.params.domain);
      const order = await services.transferOrders.findOpenOrderForDomain(domain);
      if (!order || (caller.clientId && order.client_id !== caller.clientId)) throw new NotFoundError();
      const body = checkBody<{ authCode: string }>('CodeRequest', req.body);
      await services.transferOrders.resubmitCode(order.client_id, domain, body.authCode);
      res.status(202).json({ domain, status: 'queued' });
    }),
  );

  router.post(
    '/domains/:domain/transfer/retry',
    need('transfers:write'),
    handle(async (req, res) => {
      const caller = callerOf(res);
      // A retry is staff's decision (it sends the code on file again); a client sends a corrected code instead.
      if (caller.clientId) throw new ForbiddenError('api:errors.staff_only');
      const domain = domainParam(req.params.domain);
      await services.transferOrders.adminDispatch(domain, actorOf(caller));
      res.status(202).json({ domain, status: 'queued' });
    }),
  );

  router.post(
    '/domains/:domain/transfer/cancel',
    need('transfers:write'),
    handle(async (req, res) => {
      const caller = callerOf(res);
      const domain = domainParam(req.params.domain);
      await services.transferOrders.cancel(domain, actorOf(caller), caller.clientId);
      const view = await services.domains.viewFor(principalOf(caller), domain);
      const settlement = view.settlement ? { status: view.settlement.status, cause: view.settlement.cause, amountMinor: Number(view.settlement.amount_minor), currency: view.settlement.currency } : null;
      res.json({ domain, status: 'cancelled', settlement });
    }),
  );

  router.post(
    '/sync',
    need('sync:run'),
    handle(async (req, res) => {
      if (callerOf(res).clientId) throw new ForbiddenError('api:errors.staff_only');
      const body = checkBody<{ domain?: string }>('SyncRequest', req.body);
      const started = await services.sync.runNow({ trigger: 'host', domain: body.domain ? domainParam(body.domain) : undefined });
      started.done.catch(() => undefined);
      res.status(202).json({ runId: started.runId });
    }),
  );

  router.get(
    '/jobs/:id',
    need('domains:read'),
    handle(async (req, res) => {
      if (callerOf(res).clientId) throw new NotFoundError();
      const id = Number(req.params.id);
      const job = Number.isSafeInteger(id) && id > 0 ? await services.queue.get(id) : undefined;
      if (!job) throw new NotFoundError();
      res.json({ id: job.id, type: job.type, status: job.status, attempts: job.attempts, maxAttempts: job.max_attempts, lastError: job.last_error ?? null, runAt: new Date(Number(job.run_at)).toISOString(), updatedAt: new Date(Number(job.updated_at)).toISOString() });
    }),
  );
}
