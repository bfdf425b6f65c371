import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faceQuality, laplacianVariance } from '../../src/track/face-quality.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';

function image(side: number, f: (x: number, y: number) => number): RgbImage {
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) data.fill(f(x, y), (y * side + x) * 3, (y * side + x) * 3 + 3);
  return { width: side, height: side, data };
}

test('a checkerboard is sharper than a smooth ramp; flat is zero', () => {
  const checker = image(16, (x, y) => ((x + y) % 2 ? 255 : 0));
  const ramp = image(16, (x) => x * 16);
  const flat = image(16, () => 128);
  assert.ok(laplacianVariance(checker) > 100 * laplacianVariance(ramp));
  assert.equal(laplacianVariance(flat), 0);
});

test('quality grows with size and sharpness, bounded to [0, 1]', () => {
  const crop = image(16, (x, y) => ((x + y) % 2 ? 255 : 0));
  const small = faceQuality({ sizePx: 12, crop, score: 1 });
  const big = faceQuality({ sizePx: 40, crop, score: 1 });
  assert.ok(big > small);
  assert.ok(faceQuality({ sizePx: 400, crop, score: 1 }) <= 1);
  assert.ok(
    faceQuality({ sizePx: 20, crop: image(16, () => 9), score: 1 }) <
      faceQuality({ sizePx: 20, crop, score: 1 }),
  );
});

test('a symmetric (frontal-like) crop scores higher frontalness than a one-sided one', async () => {
  const { mirrorSymmetry } = await import('../../src/track/face-quality.ts');
  // Symmetric: bright centre column band; one-sided: bright left half only.
  const symmetric = image(16, (x) => (Math.abs(x - 7.5) < 3 ? 220 : 40));
  const oneSided = image(16, (x) => (x < 8 ? 220 : 40));
  assert.ok(mirrorSymmetry(symmetric) > 0.9);
  assert.ok(mirrorSymmetry(oneSided) < 0.1);
  assert.equal(mirrorSymmetry(image(16, () => 100)), 0);
  const crop = image(16, (x, y) => ((x + y) % 2 ? 255 : 0));
  assert.ok(
    faceQuality({ sizePx: 30, crop: symmetric, score: 1 }) >
      faceQuality({ sizePx: 30, crop: oneSided, score: 1 }),
  );
  assert.ok(faceQuality({ sizePx: 30, crop, score: 1 }) <= 1);
});
