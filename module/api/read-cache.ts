import type { Knex } from 'knex';
import type { Response } from 'express';
import type { Clock } from '../host-context.ts';
import { sqliteDataVersion } from '../sqlite-client.ts';
import { engineOf } from '../database.ts';

/** Answers kept at most; the oldest go first. */
const MAX_ENTRIES = 1000;
/**
 * Client names come from the host, whose changes the database may not see: a kept answer is
 * made again after this long even when nothing in the database moved.
 */
const MAX_AGE_MS = 5_000;
const WRITE = /^\s*(?:insert|update|delete|replace|create|drop|alter|truncate)\b/i;
// The rate limiter's own counting (every 50 ms while requests come in) changes nothing a read
// shows; counted as a change, it would drop every kept answer twenty times a second.
const UNSHOWN = /^\s*(?:insert\s+into|delete\s+from|update)\s+[`"]?dt_api_rate_windows\b/i;

interface Entry {
  version: string;
  at: number;
  body: string;
}

/**
 * GET answers of the domain reads, kept per caller and URL until anything is committed to the
 * database. Integrations poll a domain until its status moves; between two changes every such
 * poll is the same answer. The caller's key is still checked on every request (a revocation
 * holds at once, see ApiKeys.authenticate) and the rate limit still counts it; only the
 * reading and rendering are saved.
 *
 * SQLite only: another process's commit moves SQLite's `data_version`, and this process's
 * writes are counted as knex runs them (inside a transaction too; a rolled-back one only costs
 * a kept answer). On MariaDB there is no such counter and every answer is made afresh.
 */
export class ApiReadCache {
  private readonly entries = new Map<string, Entry>();
  private writes = 0;
  private readonly onQuery = (query: { sql?: string }) => {
    if (query.sql && WRITE.test(query.sql) && !UNSHOWN.test(query.sql)) this.writes++;
  };

  /** Only SQLite can tell cheaply that nothing changed; elsewhere nothing is kept or counted. */
  private readonly enabled: boolean;

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
  ) {
    this.enabled = engineOf(knex) === 'sqlite';
    if (this.enabled) knex.on('query', this.onQuery);
  }

  /**
   * The database's version, read once per request before anything else is read: a change
   * while an answer is made leaves it under the older version, so the next request makes it
   * again rather than keep a stale one. Undefined (nothing kept) off SQLite.
   */
  async version(): Promise<string | undefined> {
    if (!this.enabled) return undefined;
    const writes = this.writes;
    const committedElsewhere = await sqliteDataVersion(this.knex);
    return committedElsewhere === undefined ? undefined : `${committedElsewhere}:${writes}`;
  }

  /** Sends `produce()` as JSON, or the answer kept for `key` if the database is still at `version`. */
  async sendJson(res: Response, key: string, version: string | undefined, produce: () => Promise<unknown>): Promise<void> {
    const now = this.clock.now().getTime();
    const kept = version === undefined ? undefined : this.entries.get(key);
    if (kept && kept.version === version && now - kept.at < MAX_AGE_MS) {
      res.type('application/json').send(kept.body);
      return;
    }
    const body = JSON.stringify(await produce());
    if (version !== undefined) {
      this.entries.delete(key);
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { version, at: now, body });
    }
    res.type('application/json').send(body);
  }

  /** Stops counting writes (the module's stop()); the knex instance outlives the module. */
  close(): void {
    if (this.enabled) this.knex.off('query', this.onQuery);
    this.entries.clear();
  }
}
