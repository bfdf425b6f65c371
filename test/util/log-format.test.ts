import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { humanLogLine, logFormatFromEnv } from '../../src/util/log-format.ts';

test('a JSON log record reads as one human line: time, level, message, then its fields', () => {
  const line = humanLogLine(
    JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      pid: 1,
      hostname: 'h',
      name: 'bridgeface',
      camera: 'gate north',
      delayMs: 800,
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n at x' },
      msg: 'camera stream lost, reconnecting',
    }),
  );
  assert.equal(
    line,
    '03:04:05.678 warn  camera stream lost, reconnecting camera="gate north" delayMs=800 err="boom"\n',
  );
  assert.equal(humanLogLine('not json'), 'not json\n');
});

test('BRIDGEFACE_LOG_FORMAT=json keeps pino JSON lines; the default is human', async () => {
  const logOnce = (env: Record<string, string>) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          "const { log } = await import('./src/util/log.ts'); log.info({ camera: 'c1' }, 'hello');",
        ],
        { env: { ...process.env, BRIDGEFACE_LOG_LEVEL: 'info', ...env } },
        (err, _out, stderr) => (err ? reject(err) : resolve(stderr)),
      ),
    );
  const json = JSON.parse(await logOnce({ BRIDGEFACE_LOG_FORMAT: 'json' })) as Record<string, unknown>;
  assert.deepEqual([json.level, json.msg, json.camera], [30, 'hello', 'c1']);
  assert.match(
    await logOnce({ BRIDGEFACE_LOG_FORMAT: '' }),
    /^\d\d:\d\d:\d\d\.\d{3} info {2}hello camera=c1\n$/,
  );
  assert.equal(logFormatFromEnv('json'), 'json');
  assert.equal(logFormatFromEnv(undefined), 'human');
});
