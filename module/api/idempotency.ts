import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { RequestHandler, Response } from 'express';
import type { Clock } from '../host-context.ts';
import { AppError, ConflictError, InputError } from '../errors.ts';
import { isUniqueViolation } from '../transfer-in/transfer-order.service.ts';
import type { ApiCaller } from './api-keys.ts';

/** How long a first response is kept for replays. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a replay waits for a first request still being answered. */
const WAIT_FOR_FIRST_MS = 10_000;
const KEY = /^[\x21-\x7e]{1,191}$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `Idempotency-Key` on a POST: the first request with a key is carried out and its response
 * kept (24 hours, in the database, so every instance sees it); the same key again returns that
 * response and does nothing; the same key with another request is a 422. A replay that arrives
 * while the first is still being answered waits for it.
 */
export function idempotency(deps: { knex: Knex; clock: Clock; callerOf: (res: Response) => ApiCaller }): RequestHandler {
  const { knex, clock } = deps;
  return async (req, res, next) => {
    const header = req.get('Idempotency-Key');
    if (req.method !== 'POST' || header === undefined) return next();
    try {
      if (!KEY.test(header)) throw new InputError('api:errors.idempotency_key_invalid', {}, 'Idempotency-Key');
      const caller = deps.callerOf(res);
      const requestHash = crypto.createHash('sha256').update(`${req.method} ${req.baseUrl}${req.path}\n${JSON.stringify(req.body ?? null)}`).digest('hex');
      const now = clock.now().getTime();
      // Expired first responses give their key back.
      await knex('dt_api_idempotency').where({ key_id: caller.keyId, idempotency_key: header }).andWhere('created_at', '<', now - IDEMPOTENCY_TTL_MS).delete();
      let id: number;
      try {
        const [inserted] = await knex('dt_api_idempotency').insert({ key_id: caller.keyId, idempotency_key: header, request_hash: requestHash, created_at: now });
        id = Number(inserted);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        return replay(knex, caller.keyId, header, requestHash, res);
      }
      // The response is kept as it is sent (errors too: a replay of a refused request is refused
      // the same way); a 5xx is not kept, so the request can be tried again.
      const send = res.send.bind(res);
      let sent = false;
      res.send = (body?: unknown) => {
        if (sent) return send(body);
        sent = true;
        // A response that must not be kept (an EPP code) leaves a refusal in its place.
        const instead = res.locals.replayInstead as { status: number; messageKey: string; params: Record<string, string | number> } | undefined;
        const status = instead?.status ?? res.statusCode;
        const kept = instead ? { problem: instead } : { contentType: res.get('Content-Type') ?? 'application/json', body: typeof body === 'string' ? body : JSON.stringify(body ?? null) };
        const write = status < 500 ? knex('dt_api_idempotency').where({ id }).update({ status, response: JSON.stringify(kept) }) : knex('dt_api_idempotency').where({ id }).delete();
        void write.then(
          () => send(body),
          () => send(body),
        );
        return res;
      };
      // A request that ended with no answer (a dropped connection) leaves no claim behind.
      res.on('close', () => {
        if (!sent) void knex('dt_api_idempotency').where({ id }).whereNull('status').delete().catch(() => undefined);
      });
      next();
    } catch (error) {
      next(error);
    }
  };
}

async function replay(knex: Knex, keyId: number, idempotencyKey: string, requestHash: string, res: Response): Promise<void> {
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const first = await knex('dt_api_idempotency').where({ key_id: keyId, idempotency_key: idempotencyKey }).first('request_hash', 'status', 'response');
    if (first && first.request_hash !== requestHash) throw new InputError('api:errors.idempotency_key_reused', {}, 'Idempotency-Key');
    if (first?.status !== null && first?.status !== undefined) {
      const kept = JSON.parse(first.response) as { contentType: string; body: string; problem?: { status: number; messageKey: string; params: Record<string, string | number> } };
      res.set('Idempotent-Replayed', 'true');
      if (kept.problem) throw new AppError(kept.problem.status, kept.problem.messageKey, kept.problem.params);
      res.status(Number(first.status)).set('Content-Type', kept.contentType).send(kept.body);
      return;
    }
    if (!first || Date.now() > deadline) throw new ConflictError('api:errors.idempotency_in_progress');
    await sleep(50);
  }
}
