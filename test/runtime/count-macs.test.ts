import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/runtime/backend.ts';
import { countMacs, kernelMacs } from '../../src/runtime/count-macs.ts';

test('kernelMacs: convolutions, depthwise, matrix products; element-wise kernels count 0', () => {
  assert.equal(
    kernelMacs(
      'Conv2D',
      [
        [2, 8, 8, 3],
        [3, 3, 3, 16],
      ],
      [[2, 8, 8, 16]],
    ),
    2 * 8 * 8 * 16 * 27,
  );
  assert.equal(
    kernelMacs(
      'FusedDepthwiseConv2D',
      [
        [1, 4, 4, 8],
        [3, 3, 8, 1],
      ],
      [[1, 4, 4, 8]],
    ),
    4 * 4 * 8 * 9,
  );
  assert.equal(
    kernelMacs(
      '_FusedMatMul',
      [
        [1, 5, 64],
        [1, 64, 10],
      ],
      [[1, 5, 10]],
    ),
    5 * 10 * 64,
  );
  assert.equal(kernelMacs('Add', [[4], [4]], [[4]]), 0);
});

test('countMacs counts what a small conv + dense computation runs', async () => {
  await initBackend();
  const x = tf.ones([2, 6, 6, 4]) as tf.Tensor4D;
  const w = tf.ones([3, 3, 4, 5]) as tf.Tensor4D;
  const d = tf.ones([180, 7]) as tf.Tensor2D;
  const macs = await countMacs(() =>
    tf.tidy(() => tf.matMul(tf.reshape(tf.conv2d(x, w, 1, 'same'), [2, 180]), d)),
  );
  assert.equal(macs, 2 * 6 * 6 * 5 * 36 + 2 * 7 * 180);
  tf.dispose([x, w, d]);
});
