import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/runtime/backend.ts';
import {
  cosFaceLoss,
  cosineDistanceLoss,
  imprintWeights,
  similarityPreservingLoss,
} from '../../src/distill/losses.ts';
import { cosineLearningRate } from '../../src/distill/trainer.ts';

process.env.BRIDGEFACE_LOG_LEVEL ??= 'warn';

describe('distillation losses', () => {
  before(async () => {
    await initBackend();
  });

  it('CosFace matches the formula on a hand-made case', () => {
    // Two classes along x and y; the embedding is x (class 0): cos = [1, 0].
    const loss = tf.tidy(() =>
      cosFaceLoss(
        tf.tensor2d([[2, 0]]),
        tf.tensor2d([
          [1, 0],
          [0, 3],
        ]),
        tf.tensor1d([0], 'int32'),
        {
          scale: 10,
          margin: 0.5,
        },
      ).arraySync(),
    );
    const l0 = 10 * (1 - 0.5);
    const expected = -l0 + Math.log(Math.exp(l0) + Math.exp(0));
    assert.ok(Math.abs(loss - expected) < 1e-5, `${loss} vs ${expected}`);
  });

  it('mimic and preserving terms vanish for identical features', () => {
    const [mimic, keep, keepOther] = tf.tidy(() => {
      const a = tf.tensor2d([
        [1, 2, 3],
        [0, -1, 4],
        [2, 2, 0],
      ]);
      const b = tf.tensor2d([
        [3, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ]);
      return [
        cosineDistanceLoss(a, a.mul(3)).arraySync(),
        similarityPreservingLoss(a, a.mul(2)).arraySync(),
        similarityPreservingLoss(a, b).arraySync(),
      ];
    });
    assert.ok(Math.abs(mimic) < 1e-6);
    assert.ok(Math.abs(keep) < 1e-6);
    assert.ok(keepOther > 0.01);
  });

  it('imprints normalised class means as [D, C] columns', () => {
    const w = imprintWeights(
      [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(0, 2)],
      [0, 0, 1],
      3,
    );
    // column 0: mean (0.5, 0.5) normalised; column 1: (0, 1); column 2: empty → 0.
    assert.ok(Math.abs(w[0] - Math.SQRT1_2) < 1e-6 && Math.abs(w[3] - Math.SQRT1_2) < 1e-6);
    assert.deepEqual([w[1], w[4]], [0, 1]);
    assert.deepEqual([w[2], w[5]], [0, 0]);
  });

  it('schedules a warm-up then a cosine decay to the floor', () => {
    assert.equal(cosineLearningRate(0, 100, 1, 10), 0.1);
    assert.equal(cosineLearningRate(10, 100, 1, 10), 1);
    assert.ok(Math.abs(cosineLearningRate(100, 100, 1, 10, 0.01) - 0.01) < 1e-12);
    assert.ok(cosineLearningRate(50, 100, 1, 10) < cosineLearningRate(30, 100, 1, 10));
  });
});
