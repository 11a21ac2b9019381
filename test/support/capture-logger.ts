import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** A real pino logger whose output is kept in memory, so tests can read every line written. */
export function createCaptureLogger(): { logger: Logger; lines: () => string[]; entries: () => Array<Record<string, any>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const logger = pino({ level: 'trace' }, stream);
  const lines = () => chunks.join('').split('\n').filter(Boolean);
  return { logger, lines, entries: () => lines().map((line) => JSON.parse(line)), text: () => chunks.join('') };
}
