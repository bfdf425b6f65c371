import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CameraSource, type CameraState, type Frame } from '../../src/decode/camera-source.ts';
import { CameraNetworkPolicy } from '../../src/decode/camera-network-policy.ts';
import { log } from '../../src/util/log.ts';
import { writeTestClip } from '../helpers/test-clip.ts';

let dir = '';
let ffmpegPath = '';
/** These tests use loopback cameras: they opt in, as a site's config would (api.cameraNetworks). */
const networkPolicy = new CameraNetworkPolicy(['127.0.0.0/8']);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bf-decode-'));
  // 2 s of FFmpeg's test pattern at 10 fps: 20 frames with known colour bars.
  ffmpegPath = await writeTestClip(join(dir, 'clip.mp4'), { outputArgs: ['-pix_fmt', 'yuv420p'] });
});
after(async () => rm(dir, { recursive: true, force: true }));

function collect(source: CameraSource): { frames: Frame[]; states: CameraState[] } {
  const frames: Frame[] = [];
  const states: CameraState[] = [];
  source.on('frame', (f) => frames.push(f));
  source.on('state', (s) => states.push(s.state));
  return { frames, states };
}

function waitFor(source: CameraSource, pred: (s: CameraState) => boolean, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting; state ${source.status().state}`)), ms);
    const check = (): void => {
      if (pred(source.status().state)) {
        clearTimeout(t);
        source.off('state', check);
        resolve();
      }
    };
    source.on('state', check);
    check();
  });
}

test('a file decodes to whole RGB frames at the requested size and rate, then ends', async () => {
  const src = new CameraSource({
    id: 'file',
    url: join(dir, 'clip.mp4'),
    fps: 5,
    width: 32,
    height: 24,
    ffmpegPath,
    networkPolicy,
  });
  const { frames, states } = collect(src);
  src.start();
  await waitFor(src, (s) => s === 'ended');
  assert.deepEqual(states.slice(0, 2), ['connecting', 'live']);
  assert.ok(
    frames.length >= 9 && frames.length <= 11,
    `about 10 frames at 5 fps over 2 s, got ${frames.length}`,
  );
  for (const [i, f] of frames.entries()) {
    assert.equal(f.seq, i);
    assert.equal(f.image.data.length, 32 * 24 * 3);
  }
  // testsrc has bright colour bars: the frame is not blank.
  const sum = frames[0]!.image.data.reduce((a, b) => a + b, 0);
  assert.ok(sum > 32 * 24 * 3 * 30);
  await src.close();
});

test('a looped file keeps delivering past its length', async () => {
  const src = new CameraSource({
    id: 'loop',
    url: join(dir, 'clip.mp4'),
    fps: 10,
    width: 16,
    height: 12,
    loop: true,
    ffmpegPath,
    networkPolicy,
  });
  const { frames } = collect(src);
  src.start();
  const deadline = Date.now() + 15_000;
  while (frames.length < 45 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(frames.length >= 45, `more than the clip's 20 frames, got ${frames.length}`);
  await src.close();
  assert.equal(src.status().state, 'stopped');
});

test('a file that does not exist fails at once, saying so, instead of retrying', async () => {
  const missing = join(dir, 'no-such-clip.mp4');
  const src = new CameraSource({
    id: 'gone',
    url: `file://${missing}`,
    fps: 5,
    width: 16,
    height: 12,
    ffmpegPath,
    networkPolicy,
  });
  const { states } = collect(src);
  src.start();
  await waitFor(src, (s) => s === 'failed');
  assert.deepEqual(states, ['connecting', 'failed']);
  const status = src.status();
  assert.equal(status.lastError, `file not found: ${missing}`);
  assert.equal(status.restarts, 0);
  assert.equal(status.nextAttemptAtMs, null, 'no reconnect is scheduled');
  await src.close();
});

test('an unreachable RTSP URL backs off and retries without throwing', async () => {
  const src = new CameraSource({
    id: 'rtsp',
    url: 'rtsp://127.0.0.1:1/stream', // nothing listens on port 1
    fps: 5,
    width: 16,
    height: 12,
    backoff: { initialMs: 50, maxMs: 200, factor: 2, jitter: 0.1 },
    ffmpegPath,
    networkPolicy,
  });
  const { states } = collect(src);
  src.start();
  const deadline = Date.now() + 15_000;
  while (src.status().restarts < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const status = src.status();
  assert.ok(status.restarts >= 2, 'reconnected at least twice');
  assert.ok(states.includes('backoff'));
  assert.ok(status.lastError && status.lastError.length > 0, 'the error is reported');
  await src.close();
});

test('a truncated, corrupt file is reported and, after maxRestarts, marked failed', async () => {
  // MPEG-TS survives truncation frame by frame (an MP4 cut early loses its index): cut it mid-stream.
  await writeTestClip(join(dir, 'clip.ts'), { outputArgs: ['-f', 'mpegts'] });
  const whole = await readFile(join(dir, 'clip.ts'));
  await writeFile(join(dir, 'corrupt.ts'), whole.subarray(0, Math.floor(whole.length / 2)));
  await writeFile(join(dir, 'garbage.mp4'), Buffer.from('this is not a video at all'));
  const src = new CameraSource({
    id: 'garbage',
    url: join(dir, 'garbage.mp4'),
    fps: 5,
    width: 16,
    height: 12,
    loop: true,
    maxRestarts: 1,
    backoff: { initialMs: 20, maxMs: 50, factor: 2, jitter: 0 },
    ffmpegPath,
    networkPolicy,
  });
  src.start();
  await waitFor(src, (s) => s === 'failed');
  assert.match(src.status().lastError ?? '', /ffmpeg|Invalid|exited/i);
  await src.close();

  // A file cut mid-stream still yields the frames before the cut.
  const cut = new CameraSource({
    id: 'cut',
    url: join(dir, 'corrupt.ts'),
    fps: 10,
    width: 16,
    height: 12,
    maxRestarts: 0,
    ffmpegPath,
    networkPolicy,
  });
  const { frames } = collect(cut);
  cut.start();
  await waitFor(cut, (s) => s === 'ended' || s === 'failed');
  assert.ok(frames.length >= 1, `frames before the cut, got ${frames.length}`);
  await cut.close();
});

test('bad options are rejected with a message naming the camera', () => {
  assert.throws(
    () =>
      new CameraSource({ id: 'x', url: 'a.mp4', fps: 0, width: 10, height: 10, ffmpegPath, networkPolicy }),
    /camera x: fps/,
  );
  assert.throws(
    () =>
      new CameraSource({ id: 'y', url: 'a.mp4', fps: 5, width: 0, height: 10, ffmpegPath, networkPolicy }),
    /camera y: width/,
  );
});

/** Calls to the process logger's warn/error while `fn` runs, as JSON text. */
async function logged(fn: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const { warn, error } = log;
  const capture =
    (original: typeof log.warn) =>
    (...args: unknown[]): void => {
      lines.push(JSON.stringify(args));
      (original as (...a: unknown[]) => void).apply(log, args);
    };
  log.warn = capture(warn);
  log.error = capture(error);
  try {
    await fn();
  } finally {
    log.warn = warn;
    log.error = error;
  }
  return lines.join('\n');
}

test('credentials in the URL never reach the status or the log', async () => {
  const src = new CameraSource({
    id: 'secret',
    url: 'rtsp://admin:s3cretPW@127.0.0.1:1/stream?pwd=s3cretQS',
    fps: 5,
    width: 16,
    height: 12,
    backoff: { initialMs: 50, maxMs: 100, factor: 2, jitter: 0 },
    ffmpegPath,
    networkPolicy,
  });
  const statuses: string[] = [];
  src.on('state', (s) => statuses.push(JSON.stringify(s)));
  const lines = await logged(async () => {
    src.start();
    await waitFor(src, () => src.status().restarts >= 1 && src.status().lastError !== null);
    await src.close();
  });
  const all = `${statuses.join('\n')}\n${lines}`;
  assert.match(all, /\*\*\*/, 'the masked URL is reported');
  assert.ok(!all.includes('s3cretPW') && !all.includes('s3cretQS'), all);
});

/** A loopback TCP server that counts the connections it gets. */
async function listener(): Promise<{ port: number; connections: () => number; close: () => void }> {
  let n = 0;
  const srv = createServer((s) => {
    n += 1;
    s.destroy();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as AddressInfo).port, connections: () => n, close: () => srv.close() };
}

test('the network policy is applied before FFmpeg connects: a refused host fails the camera', async () => {
  const target = await listener();
  try {
    const src = new CameraSource({
      id: 'ssrf',
      url: `rtsp://127.0.0.1:${target.port}/`,
      fps: 5,
      width: 16,
      height: 12,
      ffmpegPath,
      networkPolicy: new CameraNetworkPolicy(),
    });
    src.start();
    await waitFor(src, (s) => s === 'failed');
    assert.match(src.status().lastError ?? '', /loopback/);
    assert.equal(target.connections(), 0, 'FFmpeg never connected');
    await src.close();
  } finally {
    target.close();
  }
});

test('the host is resolved again at use: a name that now points at loopback is refused', async () => {
  const target = await listener();
  try {
    let lookups = 0;
    // Public when the camera was registered, loopback by the time the worker connects.
    const rebinding = async (): Promise<string[]> => (lookups++ === 0 ? ['203.0.113.7'] : ['127.0.0.1']);
    const policy = new CameraNetworkPolicy([], rebinding);
    await policy.check(`rtsp://cam.example:${target.port}/`); // registration
    const src = new CameraSource({
      id: 'rebind',
      url: `rtsp://cam.example:${target.port}/`,
      fps: 5,
      width: 16,
      height: 12,
      ffmpegPath,
      networkPolicy: policy,
    });
    src.start();
    await waitFor(src, (s) => s === 'failed');
    assert.match(src.status().lastError ?? '', /127\.0\.0\.1, a loopback address/);
    assert.equal(target.connections(), 0);
    await src.close();
  } finally {
    target.close();
  }
});
