import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cropFace, faceCropWindow } from '../../src/detect/crop-face.ts';
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
