import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { cropViewBatch, cropViewPixels } from '../../src/detect/crop-views.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { createRng } from '../../src/util/random.ts';

test('cropViewPixels samples what cropViewBatch samples (inside, across the edge, up- and downscaled)', async () => {
  await initBackend();
  const rng = createRng('crop-pixels');
  const frame = {
    width: 61,
    height: 43,
    data: Uint8Array.from({ length: 61 * 43 * 3 }, () => rng.int(0, 255)),
  };
  const views = [
    { x: 3.5, y: 2, width: 20, height: 20, inputWidth: 16, inputHeight: 16 },
    { x: -7, y: 30, width: 24, height: 24, inputWidth: 16, inputHeight: 16 },
    { x: 40.25, y: -3.5, width: 8, height: 8, inputWidth: 16, inputHeight: 16 },
    { x: 0, y: 0, width: 61, height: 43, inputWidth: 16, inputHeight: 16 },
  ];
  const image = tf.tensor4d(frame.data, [1, 43, 61, 3], 'int32');
  const batch = cropViewBatch(image, views, 16, 16, 7);
  const expected = (await batch.data()) as Float32Array;
  tf.dispose([image, batch]);
  const got = cropViewPixels(frame, views, 16, 16, 7);
  assert.equal(got.length, expected.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
  assert.ok(worst < 1e-3, `max |Δ| ${worst}`);
  assert.ok(got.includes(7), 'samples outside the frame take the pad value');
});
