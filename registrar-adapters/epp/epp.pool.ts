import type { Logger } from 'pino';
import { transientError } from './epp.errors.ts';
import { RegistrarError } from '../registrar-error.ts';
import type { EppSession } from './epp.session.ts';

export interface PoolConfig {
  size: number;
  /** How long a command may wait for a free session before giving up as `transient`. */
  queueTimeoutMs: number;
  /** After a refused login, how long commands fail at once instead of logging in again. */
  loginRetryAfterMs: number;
  open: () => Promise<EppSession>;
  logger: Logger;
}

interface Waiting {
  resolve: (session: EppSession) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A few logged-in sessions, opened on demand. A session that died (dropped socket, 2500–2502,
 * timeout) is discarded on release and its slot reopened with a fresh connect and login for
 * the next command; the command that saw it die has already failed as `transient`.
 */
export class EppPool {
  private readonly idle: EppSession[] = [];
  private readonly waiting: Waiting[] = [];
  /** Sessions open, opening or lent out; never above `size`. */
  private slots = 0;
  private closing = false;
  /** The registry refused our login: no new login until `until` (ms since the epoch). */
  private loginRefused?: { error: RegistrarError; until: number };

  constructor(private readonly config: PoolConfig) {}

  async run<T>(work: (session: EppSession) => Promise<T>): Promise<T> {
    const session = await this.acquire();
    try {
      return await work(session);
    } finally {
      this.release(session);
    }
  }

  get stats(): { open: number; idle: number; waiting: number } {
    return { open: this.slots, idle: this.idle.length, waiting: this.waiting.length };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const waiter of this.waiting.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(transientError('EPP adapter closed'));
    }
    const sessions = this.idle.splice(0);
    this.slots -= sessions.length;
    await Promise.all(sessions.map((s) => s.close()));
  }

  private acquire(): Promise<EppSession> {
    if (this.closing) return Promise.reject(transientError('EPP adapter closed'));
    while (this.idle.length) {
      const session = this.idle.pop()!;
      if (session.alive) return Promise.resolve(session);
      this.slots--;
    }
    if (this.slots < this.config.size) return this.openSlot();
    return new Promise((resolve, reject) => {
      const waiter: Waiting = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          this.config.logger.warn({ size: this.config.size, waitMs: this.config.queueTimeoutMs }, 'EPP session pool exhausted');
          reject(transientError(`no EPP session free within ${this.config.queueTimeoutMs} ms`));
        }, this.config.queueTimeoutMs),
      };
      this.waiting.push(waiter);
    });
  }

  private async openSlot(): Promise<EppSession> {
    // A registry may lock an account after a few failed logins: while our credentials are
    // refused, every command fails here, without a connection, until the hold runs out.
    if (this.loginRefused && Date.now() < this.loginRefused.until) throw this.loginRefused.error;
    this.slots++;
    try {
      const session = await this.config.open();
      this.loginRefused = undefined;
      return session;
    } catch (error) {
      this.slots--;
      if (error instanceof RegistrarError && error.code === 'authentication_failed') {
        this.loginRefused = { error, until: Date.now() + this.config.loginRetryAfterMs };
        this.config.logger.error({ code: error.rawCode, retryAfterMs: this.config.loginRetryAfterMs }, 'EPP login refused: no new login until the hold runs out; check the clientId and password');
      }
      throw error;
    }
  }

  private release(session: EppSession): void {
    if (!session.alive || this.closing) {
      this.slots--;
      if (session.alive) void session.close();
      this.serveWaiterWithNewSession();
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(session);
    } else {
      this.idle.push(session);
    }
  }

  private serveWaiterWithNewSession(): void {
    const waiter = this.waiting.shift();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    this.openSlot().then(waiter.resolve, waiter.reject);
  }
}
