import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { clipBox, cropAndResizeBox, frameBoxToView, viewBoxToFrame } from '../../src/detect/box-mapping.ts';
import { initBackend } from '../../src/runtime/backend.ts';

const view = { x: 100.5, y: 40, width: 64, height: 48, inputWidth: 160, inputHeight: 96 };

test('view ↔ frame box mapping round-trips', () => {
  const box = { x: 10, y: 20, width: 30, height: 12 };
  const f = viewBoxToFrame(box, view);
  assert.deepEqual(f, { x: 100.5 + 4, y: 40 + 10, width: 12, height: 6 });
  const back = frameBoxToView(f, view);
  for (const k of ['x', 'y', 'width', 'height'] as const) assert.ok(Math.abs(back[k] - box[k]) < 1e-9);
});

test('clipBox intersects with the frame', () => {
  assert.deepEqual(clipBox({ x: -5, y: 10, width: 20, height: 100 }, 50, 40), {
    x: 0,
    y: 10,
    width: 15,
    height: 30,
  });
  assert.equal(clipBox({ x: 60, y: 0, width: 5, height: 5 }, 50, 40).width, 0);
});

test('cropAndResizeBox samples the view exactly (a ramp image reads back its own coordinates)', async () => {
  await initBackend();
  const W = 200;
  const H = 120;
  // Pixel (i, j) holds its own centre coordinates minus 0.5: i in channel 0, j in channel 1.
  const data = new Float32Array(W * H * 3);
  for (let j = 0; j < H; j++) for (let i = 0; i < W; i++) data.set([i, j, 0], (j * W + i) * 3);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() =>
    tf.image.cropAndResize(
      tf.tensor4d(data, [1, H, W, 3]),
      tf.tensor2d([cropAndResizeBox(view, W, H)]),
      tf.tensor1d([0], 'int32'),
      [view.inputHeight, view.inputWidth],
    ),
  );
  const v = await out.data();
  out.dispose();
  assert.equal(tf.memory().numTensors, before);
  const sx = view.width / view.inputWidth;
  const sy = view.height / view.inputHeight;
  for (const [u, w] of [
    [0, 0],
    [159, 95],
    [37, 50],
  ]) {
    const o = (w * view.inputWidth + u) * 3;
    assert.ok(Math.abs(v[o] - (view.x + (u + 0.5) * sx - 0.5)) < 1e-3);
    assert.ok(Math.abs(v[o + 1] - (view.y + (w + 0.5) * sy - 0.5)) < 1e-3);
  }
});
