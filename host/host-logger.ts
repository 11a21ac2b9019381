import pino, { type Logger } from 'pino';

/**
 * The reference host's log: readable lines on a terminal (pino-pretty), JSON lines anywhere
 * else (files, log shippers). LOG_FORMAT=json or LOG_FORMAT=pretty decides instead.
 */
export function createHostLogger(level: string, env: NodeJS.ProcessEnv = process.env, stream: { isTTY?: boolean } = process.stdout): Logger {
  const pretty = env.LOG_FORMAT ? env.LOG_FORMAT === 'pretty' : Boolean(stream.isTTY);
  if (!pretty) return pino({ level });
  return pino({ level, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
}
