import session, { type SessionData } from 'express-session';
import type { Knex } from 'knex';

const TABLE = 'host_sessions';

/**
 * express-session store on the host's own database, so a session outlives a restart and is
 * shared by every process pointed at the same database. Expiry is real wall-clock time (the
 * cookie's), not the injectable business clock.
 */
export class KnexSessionStore extends session.Store {
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly options: { defaultTtlMs: number; pruneIntervalMs?: number },
  ) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.knex(TABLE)
      .where({ sid })
      .andWhere('expires_at', '>', Date.now())
      .first('sess')
      .then((row: { sess: string } | undefined) => callback(null, row ? (JSON.parse(row.sess) as SessionData) : null))
      .catch((error: unknown) => callback(error));
  }

  override set(sid: string, sess: SessionData, callback?: (err?: unknown) => void): void {
    const row = { sid, sess: JSON.stringify(sess), expires_at: this.expiryOf(sess) };
    this.knex(TABLE)
      .insert(row)
      .onConflict('sid')
      .merge(['sess', 'expires_at'])
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(error));
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.knex(TABLE)
      .where({ sid })
      .del()
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(error));
  }

  override touch(sid: string, sess: SessionData, callback?: (err?: unknown) => void): void {
    this.knex(TABLE)
      .where({ sid })
      .update({ expires_at: this.expiryOf(sess) })
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(error));
  }

  /** Deletes expired sessions; returns how many. */
  async prune(now = Date.now()): Promise<number> {
    return this.knex(TABLE).where('expires_at', '<=', now).del();
  }

  /** Prunes on an interval that never keeps the process alive. */
  startPruning(onError: (error: unknown) => void): void {
    this.stopPruning();
    this.pruneTimer = setInterval(() => void this.prune().catch(onError), this.options.pruneIntervalMs ?? 15 * 60_000);
    this.pruneTimer.unref();
  }

  stopPruning(): void {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
  }

  private expiryOf(sess: SessionData): number {
    const expires = sess.cookie?.expires;
    return expires ? new Date(expires).getTime() : Date.now() + this.options.defaultTtlMs;
  }
}
