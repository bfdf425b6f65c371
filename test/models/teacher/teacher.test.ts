import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { decodeImage, decodeImageFile } from '../../../src/image/decode.ts';
import type { RgbImage } from '../../../src/image/rgb-image.ts';
import { initBackend } from '../../../src/runtime/backend.ts';
import { landmarkCentre, landmarksInChip } from '../../../src/models/teacher/align.ts';
import { FIT_LANDMARKS, templatePoint } from '../../../src/models/teacher/face-template.ts';
import { createTeacher, type FaceApiTeacher } from '../../../src/models/teacher/index.ts';

// Sample photos shipped with face-api (group photos of several people); no ../shared data needed.
const demoDir = join(
  dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
  'demo',
);

let teacher: FaceApiTeacher;
let sample: RgbImage;

before(async () => {
  await initBackend();
  teacher = await createTeacher();
  sample = await decodeImageFile(join(demoDir, 'sample1.jpg'));
});
after(() => teacher.dispose());

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i], 0);

test('the teacher describes itself', () => {
  assert.equal(teacher.name, 'teacher');
  assert.equal(teacher.dim, 128);
  assert.equal(teacher.inputSize, 150);
  assert.equal(teacher.chipSize, 150);
  // dlib's ResNet-29 face descriptor: ~5.6 M parameters.
  assert.ok(teacher.params > 5_000_000 && teacher.params < 6_000_000, `params ${teacher.params}`);
});

test('align finds the faces of a sample photo, largest first, and warps them onto dlib’s template', async () => {
  const faces = await teacher.align(sample);
  assert.ok(faces.length >= 2, `found ${faces.length} faces`);
  const areas = faces.map((f) => f.box.width * f.box.height);
  assert.deepEqual(
    areas,
    [...areas].sort((a, b) => b - a),
  );
  for (const face of faces) {
    assert.equal(face.chip.width, 150);
    assert.equal(face.chip.height, 150);
    assert.equal(face.landmarks.length, 136);
    assert.ok(face.score > 0.5 && face.score <= 1);
    for (let i = 0; i < 136; i += 2) {
      assert.ok(face.landmarks[i] >= 0 && face.landmarks[i] < sample.width, 'landmark x inside image');
      assert.ok(
        face.landmarks[i + 1] >= 0 && face.landmarks[i + 1] < sample.height,
        'landmark y inside image',
      );
    }
    const inChip = landmarksInChip(face.landmarks);
    let err = 0;
    for (const i of FIT_LANDMARKS) {
      const [x, y] = templatePoint(i, 150, 0.25);
      err += Math.hypot(inChip[2 * i] - x, inChip[2 * i + 1] - y);
    }
    assert.ok(
      err / FIT_LANDMARKS.length < 6,
      `mean template residual ${(err / FIT_LANDMARKS.length).toFixed(2)} px`,
    );
    // Eyes level: outer eye corners (36, 45) within 4 px vertically in the chip.
    assert.ok(Math.abs(inChip[2 * 36 + 1] - inChip[2 * 45 + 1]) < 4, 'eyes level in the chip');
  }
});

test('embeddings have unit norm; the same person is closer than different people', async () => {
  const faces = await teacher.align(sample);
  // "Another photo" of the largest face: mirrored, downscaled to 40 % and re-encoded as JPEG.
  const other = await decodeImage(
    await sharp(sample.data, { raw: { width: sample.width, height: sample.height, channels: 3 } })
      .flop()
      .resize(Math.round(sample.width * 0.4))
      .modulate({ brightness: 1.1 })
      .jpeg({ quality: 70 })
      .toBuffer(),
  );
  const [again] = await teacher.align(other);
  assert.ok(again, 'face found again in the altered photo');
  const vectors = await teacher.embed([again.chip, ...faces.map((f) => f.chip)]);
  for (const v of vectors) {
    assert.equal(v.length, 128);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4, 'unit norm');
  }
  const same = dot(vectors[0], vectors[1]);
  const different = vectors.slice(2).map((v) => dot(vectors[0], v));
  assert.ok(same > 0.9, `same-person cosine ${same.toFixed(3)}`);
  assert.ok(
    different.every((d) => d < same - 0.1),
    `same ${same.toFixed(3)} vs different ${different.map((d) => d.toFixed(3))}`,
  );
});

test('embed accepts square chips of any size and rejects non-square ones', async () => {
  const [face] = await teacher.align(sample);
  const small = await decodeImage(
    await sharp(face.chip.data, { raw: { width: 150, height: 150, channels: 3 } })
      .resize(37)
      .png()
      .toBuffer(),
  );
  const big = await decodeImage(
    await sharp(face.chip.data, { raw: { width: 150, height: 150, channels: 3 } })
      .resize(300)
      .png()
      .toBuffer(),
  );
  const [a, b, c] = await teacher.embed([face.chip, small, big]);
  assert.ok(dot(a, c) > 0.95, `300 px chip cosine ${dot(a, c).toFixed(3)}`);
  assert.ok(dot(a, b) > 0.6, `37 px chip cosine ${dot(a, b).toFixed(3)}`);
  assert.deepEqual(await teacher.embed([]), []);
  await assert.rejects(teacher.embed([{ width: 4, height: 3, data: new Uint8Array(36) }]), RangeError);
});

test('assumeCentred takes the face nearest the centre', async () => {
  const faces = await teacher.align(sample);
  const centred = await teacher.align(sample, { assumeCentred: true });
  const dist = (b: { x: number; y: number; width: number; height: number }): number =>
    Math.hypot(b.x + b.width / 2 - sample.width / 2, b.y + b.height / 2 - sample.height / 2);
  assert.ok(centred.length >= 1);
  assert.equal(dist(centred[0].box), Math.min(...faces.map((f) => dist(f.box))));
});

test('align + embed leak no tensors', async () => {
  await teacher.embed((await teacher.align(sample)).map((f) => f.chip)); // warm up lazily created state
  const before = tf.memory().numTensors;
  const faces = await teacher.align(sample);
  await teacher.align(sample, { assumeCentred: true });
  await teacher.embed(faces.map((f) => f.chip));
  assert.equal(tf.memory().numTensors, before);
});

test('dispose releases the weights and is idempotent', async () => {
  const t = await createTeacher();
  const before = tf.memory().numTensors;
  t.dispose();
  assert.ok(tf.memory().numTensors < before, 'weights released');
  const released = tf.memory().numTensors;
  t.dispose();
  assert.equal(tf.memory().numTensors, released);
  await assert.rejects(t.embed([]), /disposed/);
});

test('assumeCentred on a centred face crop takes the cheap path and agrees with the detector path', async () => {
  const [face] = await teacher.align(sample);
  // An LFW-like crop: the face in the middle, about 45 % of the crop wide.
  const side = Math.round(Math.max(face.box.width, face.box.height) / 0.45);
  const cx = face.box.x + face.box.width / 2;
  const cy = face.box.y + face.box.height / 2;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(cy - side / 2));
  const crop = await decodeImage(
    await sharp(sample.data, { raw: { width: sample.width, height: sample.height, channels: 3 } })
      .extract({
        left,
        top,
        width: Math.min(side, sample.width - left),
        height: Math.min(side, sample.height - top),
      })
      .png()
      .toBuffer(),
  );
  const [cheap] = await teacher.align(crop, { assumeCentred: true });
  assert.ok(cheap, 'face found');
  assert.equal(cheap.score, 1, 'central landmarks accepted without the detector');
  const [a, b] = await teacher.embed([face.chip, cheap.chip]);
  assert.ok(dot(a, b) > 0.9, `cosine to the detector-path chip ${dot(a, b).toFixed(3)}`);
});

test('a tight, ID-style photo (the face fills it) is aligned through the padded retry', async () => {
  const looseJpeg = await sharp(join(demoDir, 'sample1.jpg'))
    .extract({ left: 300, top: 230, width: 420, height: 480 })
    .jpeg()
    .toBuffer();
  const [reference] = await teacher.align(await decodeImage(looseJpeg, 'loose'));
  assert.ok(reference, 'the loose crop has a face');
  const xs = reference.landmarks.filter((_, i) => i % 2 === 0);
  const ys = reference.landmarks.filter((_, i) => i % 2 === 1);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  // The landmarks' bounding box (brows to chin), a little forehead: nothing around the face.
  const tightJpeg = await sharp(looseJpeg)
    .extract({
      left: Math.round(x0),
      top: Math.round(y0 - 0.1 * (y1 - y0)),
      width: Math.round(x1 - x0),
      height: Math.round(1.1 * (y1 - y0)),
    })
    .resize(160, 180)
    .jpeg()
    .toBuffer();
  const tight = await decodeImage(tightJpeg, 'tight');
  assert.equal((await teacher.align(tight, { paddedRetry: false })).length, 0, 'the detector alone misses it');
  const faces = await teacher.align(tight);
  assert.equal(faces.length, 1);
  const [a, b] = await teacher.embed([reference.chip, faces[0]!.chip]);
  assert.ok(dot(a!, b!) > 0.9, `same face, cosine ${dot(a!, b!)}`);
  // Geometry is reported in the photo's own pixels: the eye centre lies inside the photo.
  const [ex, ey] = landmarkCentre(faces[0]!.landmarks, 36, 42);
  assert.ok(ex >= 0 && ex < tight.width && ey >= 0 && ey < tight.height, `eye at ${ex},${ey}`);
});

test('the padded retry finds no face where there is none', async () => {
  const wall = { width: 120, height: 120, data: new Uint8Array(120 * 120 * 3).fill(128) };
  assert.equal((await teacher.align(wall)).length, 0);
});
