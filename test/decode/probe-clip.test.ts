import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ClipProbeError, parseClipInfo, probeClip } from '../../src/decode/probe-clip.ts';
import { writeTestClip } from '../helpers/test-clip.ts';

let dir: string;
let ffmpegPath: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bf-probe-'));
  ffmpegPath = await writeTestClip(join(dir, 'clip.mp4'), { fps: 25, seconds: 0.4 });
});
after(() => rm(dir, { recursive: true, force: true }));

test('a clip’s native size and frame rate come from FFmpeg’s description of it', async () => {
  assert.deepEqual(await probeClip(ffmpegPath, join(dir, 'clip.mp4')), { width: 160, height: 120, fps: 25 });
});

test('stream lines: fractional rates, tbr when fps is absent; no video stream is undefined', () => {
  const line = (rest: string) =>
    `  Stream #0:0(und): Video: h264 (High), yuv420p(tv), 1920x1080 [SAR 1:1 DAR 16:9], ${rest}`;
  assert.deepEqual(parseClipInfo(line('29.97 fps, 29.97 tbr, 30k tbn')), {
    width: 1920,
    height: 1080,
    fps: 29.97,
  });
  assert.deepEqual(parseClipInfo(line('12 tbr, 90k tbn')), { width: 1920, height: 1080, fps: 12 });
  assert.equal(parseClipInfo('  Stream #0:0: Audio: aac, 44100 Hz, stereo'), undefined);
});

test('a missing or unreadable clip is a clear error', async () => {
  await assert.rejects(
    probeClip(ffmpegPath, join(dir, 'nope.mp4')),
    (e) => e instanceof ClipProbeError && /does not exist/.test(e.message),
  );
  await writeFile(join(dir, 'text.mp4'), 'not a video');
  await assert.rejects(probeClip(ffmpegPath, join(dir, 'text.mp4')), /no video stream/);
});
