import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeImage } from '../../../src/image/decode.ts';
import type { RgbImage } from '../../../src/image/rgb-image.ts';
import { alignFileCached, embedFilesCached, type FaceApiTeacher } from '../../../src/models/teacher/index.ts';
import type { AlignedFace } from '../../../src/models/teacher/types.ts';

/**
 * A model-free stand-in teacher: "finds a face" in images whose first pixel is bright, else none, and
 * counts its calls, so the cache logic is tested fast and deterministically.
 */
function fakeTeacher(cacheDir: string): FaceApiTeacher & { alignCalls: number; embedCalls: number } {
  return {
    name: 'teacher',
    dim: 4,
    inputSize: 8,
    params: 0,
    chipSize: 8,
    cacheDir,
    alignVersion: 'fake-align-v1',
    embedVersion: 'fake-embed-v1',
    inputScaling: 'dlib',
    alignCalls: 0,
    embedCalls: 0,
    async align(image: RgbImage): Promise<AlignedFace[]> {
      this.alignCalls++;
      if (image.data[0] < 128) return [];
      const chip = {
        width: 8,
        height: 8,
        data: Uint8Array.from({ length: 192 }, (_, i) => (i * 7 + image.data[0]) % 256),
      };
      const landmarks = Float32Array.from({ length: 136 }, (_, i) => i * 0.5 + 0.25);
      return [{ chip, landmarks, box: { x: 1, y: 2, width: 3, height: 4 }, score: 0.75 }];
    },
    async embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
      this.embedCalls++;
      return chips.map((c) =>
        Float32Array.from([c.data[0], c.data[1], c.data[2], 1]).map((v, _, a) => v / Math.hypot(...a)),
      );
    },
    async detectLandmarks(): Promise<Float32Array[]> {
      return [];
    },
    dispose(): void {},
  };
}

let dir: string;
const img = (value: number): RgbImage => ({
  width: 16,
  height: 16,
  data: new Uint8Array(16 * 16 * 3).fill(value),
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bf-teacher-cache-'));
  await writeFile(join(dir, 'face.png'), await encodeImage(img(200)));
  await writeFile(join(dir, 'face2.png'), await encodeImage(img(150)));
  await writeFile(join(dir, 'blank.png'), await encodeImage(img(10)));
});
after(() => rm(dir, { recursive: true, force: true }));

test('alignFileCached: a hit returns identical data without aligning again', async () => {
  const t = fakeTeacher(join(dir, 'cache-a'));
  const first = await alignFileCached(t, join(dir, 'face.png'));
  const second = await alignFileCached(t, join(dir, 'face.png'));
  assert.equal(t.alignCalls, 1);
  assert.ok(first && second);
  assert.deepEqual(second.chip, first.chip);
  assert.deepEqual(second.landmarks, first.landmarks);
  assert.deepEqual(second.box, first.box);
  assert.equal(second.score, first.score);
});

test('alignFileCached: a miss (no face) is cached as a miss', async () => {
  const t = fakeTeacher(join(dir, 'cache-b'));
  assert.equal(await alignFileCached(t, join(dir, 'blank.png')), null);
  assert.equal(await alignFileCached(t, join(dir, 'blank.png')), null);
  assert.equal(t.alignCalls, 1);
});

test('alignFileCached: the version key, align options, teacher version and mtime all miss', async () => {
  const t = fakeTeacher(join(dir, 'cache-c'));
  const path = join(dir, 'face.png');
  await alignFileCached(t, path);
  await alignFileCached(t, path, { version: 'v2' });
  assert.equal(t.alignCalls, 2);
  await alignFileCached(t, path, { assumeCentred: true });
  assert.equal(t.alignCalls, 3);
  await alignFileCached({ ...t, alignVersion: 'fake-align-v2', align: t.align.bind(t) }, path);
  assert.equal(t.alignCalls, 4);
  await utimes(path, new Date(), new Date(Date.now() + 5000));
  await alignFileCached(t, path);
  assert.equal(t.alignCalls, 5);
});

test('embedFilesCached: computes once, then serves identical vectors and cached misses', async () => {
  const t = fakeTeacher(join(dir, 'cache-d'));
  const paths = ['face.png', 'blank.png', 'face2.png'].map((f) => join(dir, f));
  const progress: number[] = [];
  const first = await embedFilesCached(t, paths, { onProgress: (done) => progress.push(done) });
  assert.equal(first[1], null);
  assert.ok(first[0] && first[2]);
  assert.equal(progress.at(-1), 3);
  assert.equal(t.embedCalls, 1);
  const calls = t.alignCalls;
  const second = await embedFilesCached(t, paths);
  assert.deepEqual(second, first);
  assert.equal(t.embedCalls, 1);
  assert.equal(t.alignCalls, calls);
  await embedFilesCached(t, paths, { version: 'other' });
  assert.equal(t.embedCalls, 2);
});
