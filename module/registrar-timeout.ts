import { RegistrarError } from '../registrar-adapters/registrar-error.ts';

/**
 * Waits at most `ms` for a registrar call. A call that has not answered by then fails as
 * `transient` (worth trying again); whatever it does later is ignored, so a held connection
 * cannot hold a job, a sync lane or its lease forever.
 */
export function withRegistrarTimeout<T>(call: Promise<T>, ms: number, operation: string, registrarId: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RegistrarError('transient', `${registrarId} did not answer ${operation} within ${formatMs(ms)}`)), ms);
  });
  // The loser of the race must not surface later as an unhandled rejection.
  call.catch(() => undefined);
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
