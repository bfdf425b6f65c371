import { pino, type Logger } from 'pino';

/**
 * The process-wide structured logger (JSON lines on stderr so stdout stays free for command output).
 * Level from BRIDGEFACE_LOG_LEVEL, default `info`; tests set it to `silent` or `warn`.
 */
export const log: Logger = pino(
  { name: 'bridgeface', level: process.env.BRIDGEFACE_LOG_LEVEL ?? 'info' },
  pino.destination(2),
);
