/**
 * How log lines look: `json` (pino's JSON lines, for log collectors) or `human` (one readable line per
 * record, for people at a terminal). BRIDGEFACE_LOG_FORMAT or the CLI's `--log-format` choose; human is
 * the default.
 */
export type LogFormat = 'human' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['human', 'json'];

/**
 * The format BRIDGEFACE_LOG_FORMAT asks for; anything but `json` is human (the CLI's `--log-format`,
 * which reads the same variable, rejects other values with a usage error before any work starts).
 */
export function logFormatFromEnv(value: string | undefined): LogFormat {
  return value === 'json' ? 'json' : 'human';
}

const LEVELS: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
/** pino's own fields, shown in the line's frame rather than as key=value. */
const FRAME = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

function show(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'object' && value !== null && 'message' in value && 'type' in value)
    return JSON.stringify((value as { message: unknown }).message); // a serialised Error
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line as `HH:MM:SS.mmm level message key=value …` (a line that is not JSON is kept). */
export function humanLogLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const level = LEVELS[Number(record.level)] ?? String(record.level);
  const fields = Object.entries(record)
    .filter(([k]) => !FRAME.has(k))
    .map(([k, v]) => `${k}=${show(v)}`);
  return `${[time, level.padEnd(5), String(record.msg ?? ''), ...fields].filter((p) => p !== '').join(' ')}\n`;
}
