import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRawVideo } from '../../src/demo/clip-encoder.ts';
import { ensureDemoAssets, facesInFrame, type DemoAssets } from '../../src/demo/demo-assets.ts';
import { locateFfmpeg } from '../../src/decode/ffmpeg-binary.ts';
import { decodeImage } from '../../src/image/decode.ts';
import { resizeBilinear } from '../../src/image/resize.ts';
import { createEmbedder } from '../../src/models/registry.ts';
import type { FaceApiTeacher } from '../../src/models/teacher/index.ts';

const FRAMES = 30;
let dir: string;
let teacher: FaceApiTeacher;
let assets: DemoAssets;
let ffmpegPath: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bf-demo-'));
  const ffmpeg = await locateFfmpeg();
  assert.ok(ffmpeg, 'ffmpeg is needed to encode the demo clip');
  ffmpegPath = ffmpeg.path;
  teacher = await createEmbedder('teacher');
  assets = await ensureDemoAssets(dir, { frames: FRAMES, teacher });
});

after(async () => {
  teacher?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the clip decodes to 768x576 with the requested frame count', async () => {
  assert.equal(assets.reused, false);
  const frames = await decodeRawVideo(ffmpegPath, assets.clipPath, 768, 576);
  assert.equal(frames.length, FRAMES);
  assert.deepEqual([assets.truth.width, assets.truth.height, assets.truth.fps], [768, 576, 10]);
});

test('truth: 8 people, 4 enrolled, boxes inside the frame with faces of 14-40 px', () => {
  const { persons } = assets.truth;
  assert.equal(persons.length, 8);
  assert.equal(persons.filter((p) => p.enrolled).length, 4);
  assert.equal(new Set(persons.map((p) => p.identityKey)).size, 8);
  let points = 0;
  for (const p of persons) {
    for (const { frame, box, size } of p.track) {
      points++;
      assert.ok(frame >= 0 && frame < FRAMES);
      assert.ok(
        box.x >= 0 && box.y >= 0 && box.x + box.width <= 768 && box.y + box.height <= 576,
        `${p.id}@${frame}`,
      );
      assert.ok(size >= 14 && size <= 40, `${p.id}@${frame}: size ${size}`);
      assert.ok(Math.abs(Math.max(box.width, box.height) - size) < 0.05);
    }
  }
  assert.ok(points > 0);
  for (let f = 0; f < FRAMES; f++) {
    const n = facesInFrame(assets.truth, f).length;
    assert.ok(n >= 1 && n <= 4, `frame ${f}: ${n} faces`);
  }
});

test('the watchlist has 4 distinct names with decodable JPEG portraits of enrolled people', async () => {
  const { watchlist, truth } = assets;
  assert.equal(watchlist.length, 4);
  assert.equal(new Set(watchlist.map((w) => w.name)).size, 4);
  for (const w of watchlist) {
    assert.deepEqual([...w.photo.subarray(0, 2)], [0xff, 0xd8], 'JPEG magic');
    const image = await decodeImage(w.photo, w.photoPath);
    assert.ok(image.width >= 150 && image.height >= 150, `${w.name}: ${image.width}x${image.height}`);
    const person = truth.persons.find((p) => p.identityKey === w.identityKey);
    assert.ok(person?.enrolled && person.watchlistName === w.name);
  }
});

test('a second call reuses the files', async () => {
  const files = [
    assets.clipPath,
    join(dir, 'truth.json'),
    join(dir, 'manifest.json'),
    ...assets.watchlist.map((w) => w.photoPath),
  ];
  const before = await Promise.all(files.map(async (f) => (await stat(f)).mtimeMs));
  const again = await ensureDemoAssets(dir, { frames: FRAMES, teacher });
  assert.equal(again.reused, true);
  assert.deepEqual(again.truth, assets.truth);
  assert.deepEqual(await Promise.all(files.map(async (f) => (await stat(f)).mtimeMs)), before);
});

test('the teacher finds a real face where a ≥ 32 px face was pasted', async () => {
  const candidates = assets.truth.persons
    .flatMap((person) => person.track.filter((p) => p.size >= 32 && p.occluded === 0))
    .sort((a, b) => b.size - a.size || a.frame - b.frame)
    .slice(0, 4);
  assert.ok(candidates.length > 0, 'the short clip has a large unoccluded face');
  const frames = await decodeRawVideo(ffmpegPath, assets.clipPath, 768, 576);
  const found: string[] = [];
  for (const point of candidates) {
    // A region of 6x the face side around it (head, shoulders, background), upscaled 3x so the face
    // is ~100 px: the kind of crop a tiled detector's finest level looks at.
    const side = Math.round(6 * point.size);
    const x0 = Math.max(0, Math.min(768 - side, Math.round(point.box.x + point.box.width / 2 - side / 2)));
    const y0 = Math.max(0, Math.min(576 - side, Math.round(point.box.y + point.box.height / 2 - side / 2)));
    const data = new Uint8Array(side * side * 3);
    for (let y = 0; y < side; y++) {
      const o = ((y0 + y) * 768 + x0) * 3;
      data.set(frames[point.frame].subarray(o, o + side * 3), y * side * 3);
    }
    const zoom = 3;
    const region = resizeBilinear({ width: side, height: side, data }, side * zoom, side * zoom);
    const faces = await teacher.align(region, { minScore: 0.3 });
    const cx = point.box.x + point.box.width / 2 - x0;
    const cy = point.box.y + point.box.height / 2 - y0;
    const hit = faces.find((f) => {
      const fx = (f.box.x + f.box.width / 2) / zoom;
      const fy = (f.box.y + f.box.height / 2) / zoom;
      return Math.hypot(fx - cx, fy - cy) < 0.5 * point.size;
    });
    if (hit) return;
    found.push(`frame ${point.frame}: ${faces.length} face(s) elsewhere`);
  }
  assert.fail(`no face found at any pasted face: ${found.join('; ')}`);
});
