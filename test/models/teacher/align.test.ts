import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractFaceChip, implausibleLandmarks, landmarksInChip } from '../../../src/models/teacher/align.ts';
import { FIT_LANDMARKS, templatePoint } from '../../../src/models/teacher/face-template.ts';
import { applySimilarity } from '../../../src/models/teacher/similarity.ts';
import { warpToChip } from '../../../src/models/teacher/warp.ts';
import type { RgbImage } from '../../../src/image/rgb-image.ts';

/** 68 landmarks = dlib's template (17..67; 0..16 filled with a plausible jaw) mapped by `s` into an image. */
function syntheticLandmarks(s: { a: number; b: number; tx: number; ty: number }): Float32Array {
  const lm = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    const [x, y] = i >= 17 ? templatePoint(i, 1, 0) : [i / 16, 0.3 + 0.6 * Math.sin((Math.PI * i) / 16)];
    const [u, v] = applySimilarity(s, x, y);
    lm[2 * i] = u;
    lm[2 * i + 1] = v;
  }
  return lm;
}

test('FIT_LANDMARKS is dlib’s 33-point subset: nose, eyes, upper lip', () => {
  assert.equal(FIT_LANDMARKS.length, 33);
  assert.equal(FIT_LANDMARKS[0], 27);
  assert.ok(!FIT_LANDMARKS.some((i) => i < 27 || (i >= 55 && i <= 59) || i >= 65));
});

test('landmarks on the template map back onto the template, whatever the pose', () => {
  const lm = syntheticLandmarks({ a: 80 * Math.cos(0.4), b: 80 * Math.sin(0.4), tx: 60, ty: 40 });
  const inChip = landmarksInChip(lm, { size: 150, padding: 0.25 });
  for (const i of FIT_LANDMARKS) {
    const [x, y] = templatePoint(i, 150, 0.25);
    assert.ok(Math.abs(inChip[2 * i] - x) < 1e-3 && Math.abs(inChip[2 * i + 1] - y) < 1e-3, `landmark ${i}`);
  }
});

test('extractFaceChip renders a square chip of the requested size', () => {
  const image: RgbImage = { width: 200, height: 160, data: new Uint8Array(200 * 160 * 3).fill(90) };
  const lm = syntheticLandmarks({ a: 90, b: 0, tx: 50, ty: 30 });
  const chip = extractFaceChip(image, lm, { size: 64 });
  assert.equal(chip.width, 64);
  assert.equal(chip.data.length, 64 * 64 * 3);
  assert.ok(chip.data.every((v) => v === 90));
});

test('warpToChip with the identity copies pixels exactly', () => {
  const data = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) % 256);
  const out = warpToChip({ width: 8, height: 8, data }, { a: 1, b: 0, tx: 0, ty: 0 }, 8);
  assert.deepEqual(out.data, data);
});

test('warpToChip box-filters strong downscaling instead of aliasing', () => {
  // 1-px checkerboard shrunk 4x: point sampling would return pure black or white, the filter grey.
  const w = 64;
  const data = new Uint8Array(w * w * 3);
  for (let y = 0; y < w; y++)
    for (let x = 0; x < w; x++) data.fill((x + y) % 2 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
  const out = warpToChip({ width: w, height: w, data }, { a: 4, b: 0, tx: 1.5, ty: 1.5 }, 16);
  for (const v of out.data) assert.ok(v > 100 && v < 155, `value ${v}`);
});

test('implausibleLandmarks accepts a centred face and rejects a collapsed one', () => {
  const region = { x: 50, y: 50, width: 120, height: 120 };
  assert.equal(implausibleLandmarks(syntheticLandmarks({ a: 110, b: 0, tx: 55, ty: 55 }), region), undefined);
  assert.match(
    implausibleLandmarks(syntheticLandmarks({ a: 10, b: 0, tx: 100, ty: 100 }), region) ?? '',
    /eye distance/,
  );
  assert.match(
    implausibleLandmarks(syntheticLandmarks({ a: 110, b: 0, tx: 300, ty: 55 }), region) ?? '',
    /outside/,
  );
});
