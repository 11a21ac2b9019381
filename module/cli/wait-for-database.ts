import type { EventEmitter } from 'node:events';
import { DatabaseError } from '../database.ts';
import { isDatabaseTrouble } from '../errors.ts';
import { describeCliError } from './cli-errors.ts';
import type { CliOutput } from './module-cli.ts';

/** Refusals that waiting does not mend: wrong credentials or database name. */
const NOT_PASSING = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR']);
const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 10_000;

function codes(error: unknown): string[] {
  const found: string[] = [];
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') found.push(e.code);
  }
  return found;
}

/** A database that may answer soon: unreachable, restarting or locked, not misconfigured. */
function isPassingDatabaseTrouble(error: unknown): boolean {
  return isDatabaseTrouble(error) && !codes(error).some((code) => NOT_PASSING.has(code));
}

/** The error as one "cannot reach the database" line, naming the first driver code in its causes. */
export function asDatabaseError(error: unknown): unknown {
  if ((error as { name?: string })?.name === 'DatabaseError') return error;
  const [code] = codes(error);
  return new DatabaseError(`cannot reach the database: ${code ?? (error as Error)?.message ?? String(error)}`, { cause: error });
}

export interface WaitForDatabaseOptions {
  /** How long to keep trying; 0 tries once. */
  waitMs: number;
  output: CliOutput;
  /** A stop (SIGINT or SIGTERM) ends the wait with the last error. */
  stop: StopRequest;
}

/**
 * Runs `attempt` until the database answers. A worker started while its database restarts
 * (a deploy, a failover, a host booting its services in any order) waits for it instead of
 * exiting; after `waitMs` the last refusal ends the command, one line as before. Each refusal
 * is reported with the time of the next try, the pause doubling from 1 s to at most 10 s.
 */
export async function untilDatabaseAnswers<T>(attempt: () => Promise<T>, options: WaitForDatabaseOptions): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isPassingDatabaseTrouble(error)) throw error;
      const left = deadline - Date.now();
      if (options.stop.requested || left <= 0) throw asDatabaseError(error);
      const wait = Math.min(pause, left);
      options.output.err(`${describeCliError(asDatabaseError(error))}; trying again in ${(wait / 1000).toFixed(1)} s (gives up ${Math.ceil(left / 1000)} s from now)`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, wait))), options.stop.promise]);
      clearTimeout(timer);
      if (options.stop.requested) throw asDatabaseError(error);
    }
  }
}

export interface StopRequest {
  readonly requested: boolean;
  /** Settles when the stop comes. */
  promise: Promise<void>;
  dispose(): void;
}

/** The first SIGINT or SIGTERM from now on: whether it came, and a promise that settles on it. */
export function stopRequest(signals: EventEmitter): StopRequest {
  let requested = false;
  let settle: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (settle = resolve));
  const onSignal = () => {
    requested = true;
    settle();
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  return {
    get requested() {
      return requested;
    },
    promise,
    dispose() {
      signals.off('SIGINT', onSignal);
      signals.off('SIGTERM', onSignal);
    },
  };
}
