import { pino, type Logger } from 'pino';
import { logFormatSetting, logLevelSetting } from '../config/environment.ts';
import { humanLogLine, logFormatFromEnv, type LogFormat } from './log-format.ts';

let format: LogFormat = logFormatFromEnv(logFormatSetting());

/** Switches every later log line to `next` (the CLI's `--log-format`). */
export function setLogFormat(next: LogFormat): void {
  format = next;
}

/**
 * The process-wide structured logger, on stderr so stdout stays free for command output: readable
 * lines by default, pino's JSON lines with BRIDGEFACE_LOG_FORMAT=json or `--log-format json`
 * (log-format.ts). Level from BRIDGEFACE_LOG_LEVEL, default `info`; tests set it to `silent` or `warn`.
 */
export const log: Logger = pino(
  { name: 'bridgeface', level: logLevelSetting() ?? 'info' },
  { write: (line: string) => void process.stderr.write(format === 'json' ? line : humanLogLine(line)) },
);
