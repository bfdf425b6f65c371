import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cropFace, cropFaceRolled, faceCropWindow } from '../../src/detect/crop-face.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';

/** Pixel value = column index (all channels): an area average reads back the window's mean x. */
function ramp(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(x, (y * w + x) * 3, (y * w + x) * 3 + 3);
  return { width: w, height: h, data };
}

test('window: square on the larger side, grown by margin per side, same centre', () => {
  assert.deepEqual(faceCropWindow({ x: 10, y: 20, width: 20, height: 10 }, 0.25), {
    x: 5,
    y: 10,
    width: 30,
    height: 30,
  });
  assert.throws(() => faceCropWindow({ x: 0, y: 0, width: 0, height: 5 }, 0), RangeError);
});

test('each output pixel is the area average of its exact window slice', () => {
  const frame = ramp(100, 50);
  // window [20, 60) wide → 4 output columns of 10 px each: means 24.5, 34.5, 44.5, 54.5 → rounded.
  const chip = cropFace(frame, { x: 20, y: 10, width: 40, height: 40 }, 4, 0);
  assert.equal(chip.width, 4);
  const row = [0, 1, 2, 3].map((u) => chip.data[u * 3]);
  assert.deepEqual(row, [25, 35, 45, 55]);
});

test('parts outside the frame replicate the edge', () => {
  const frame = ramp(10, 10);
  const chip = cropFace(frame, { x: -10, y: 0, width: 10, height: 10 }, 2, 0);
  assert.equal(chip.data[0], 0); // left half of the window is all outside → edge column 0
});

test('cropFaceRolled: roll 0 cuts the same window as cropFace, and a roll turns it clockwise', () => {
  const frame = ramp(100, 50);
  const window = { x: 20, y: 5, width: 40, height: 40 };
  const plain = cropFace(frame, window, 40, 0);
  const turned0 = cropFaceRolled(frame, window, 0, 40);
  // One output pixel per source pixel: both read the frame's pixels (bilinear at exact centres).
  assert.deepEqual(turned0.data, plain.data);
  // Turned by 90° clockwise, the window's top row samples the frame's left column, top to bottom…
  // with the ramp (value = x), a row of the output is constant and rows grow from the bottom up.
  const quarter = cropFaceRolled(frame, window, Math.PI / 2, 40);
  const at = (img: RgbImage, u: number, v: number): number => img.data[(v * img.width + u) * 3]!;
  assert.equal(at(quarter, 0, 0), at(quarter, 39, 0), 'a row runs along the frame column');
  assert.ok(at(quarter, 0, 0) > at(quarter, 0, 39), 'its first row is the right edge of the window');
  assert.equal(at(quarter, 0, 0), 59);
  assert.equal(at(quarter, 0, 39), 20);
});
