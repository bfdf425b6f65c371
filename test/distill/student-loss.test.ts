import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/runtime/backend.ts';
import { studentLoss, type StudentLossWeights } from '../../src/distill/student-loss.ts';

/**
 * The step-2 batch loss on hand-made tensors. Two faces, D = 2, C = 2:
 *  - mimic: cos(e_0, t_0) = cos([1,0], [2,0]) = 1 and cos(e_1, t_1) = cos([0,2], [1,1]) = 1/√2, so
 *    mean(1 − cos) = (1 − 1/√2) / 2;
 *  - identity (CosFace, s = 2, m = 0.5, W = I): each face's own class has cos 1, the other 0, so the
 *    logits are s·(1 − m) = 1 and 0 and the cross-entropy is ln(1 + e^−1) for both.
 */
const MIMIC = (1 - Math.SQRT1_2) / 2;
const IDENTITY = Math.log(1 + Math.exp(-1));
/**
 * Relational term: the embeddings' pairwise cosines are [[1, 0], [0, 1]], the targets' [[1, 1/√2],
 * [1/√2, 1]]; two of the four entries differ by 1/√2, so the mean squared difference is 2 · ½ / 4.
 */
const RELATION = 0.25;
const weights: StudentLossWeights = { mimicWeight: 1, identityWeight: 0.1, scale: 2, margin: 0.5 };

/** Runs `run` on the batch inside tf.tidy (every tensor is released) and returns what it read. */
function withBatch<T>(classifier: boolean, run: (batch: Parameters<typeof studentLoss>[0]) => T): T {
  let out: T | undefined;
  tf.tidy(() => {
    out = run({
      embeddings: tf.tensor2d([
        [1, 0],
        [0, 2],
      ]),
      targets: tf.tensor2d([
        [2, 0],
        [1, 1],
      ]),
      labels: tf.tensor1d([0, 1], 'int32'),
      ...(classifier
        ? {
            classifier: tf.tensor2d([
              [1, 0],
              [0, 1],
            ]),
          }
        : {}),
    });
  });
  return out as T;
}

const values = (t: {
  total: tf.Scalar;
  mimic?: tf.Scalar;
  identity?: tf.Scalar;
  relation?: tf.Scalar;
}): { total: number; mimic?: number; identity?: number; relation?: number } => ({
  total: t.total.dataSync()[0],
  ...(t.mimic ? { mimic: t.mimic.dataSync()[0] } : {}),
  ...(t.identity ? { identity: t.identity.dataSync()[0] } : {}),
  ...(t.relation ? { relation: t.relation.dataSync()[0] } : {}),
});

const close = (actual: number | undefined, expected: number, what: string): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-5, `${what}: ${actual} ≠ ${expected}`);
};

describe('student batch loss (step 2)', () => {
  before(async () => {
    await initBackend();
  });

  it('is w_mimic · mimic + w_id · CosFace, with both terms reported unweighted', () => {
    const v = withBatch(true, (b) => values(studentLoss(b, weights)));
    close(v.mimic, MIMIC, 'mimic');
    close(v.identity, IDENTITY, 'identity');
    close(v.total, MIMIC + 0.1 * IDENTITY, 'total');
    const heavy = withBatch(true, (b) =>
      values(studentLoss(b, { ...weights, mimicWeight: 2, identityWeight: 1 })),
    );
    close(heavy.total, 2 * MIMIC + IDENTITY, 'total with other weights');
  });

  it('drops the mimic term at weight 0 and the identity term without a classifier', () => {
    const noMimic = withBatch(true, (b) => values(studentLoss(b, { ...weights, mimicWeight: 0 })));
    assert.equal(noMimic.mimic, undefined);
    close(noMimic.total, 0.1 * IDENTITY, 'identity only');
    const noId = withBatch(false, (b) => values(studentLoss(b, weights)));
    assert.equal(noId.identity, undefined);
    close(noId.total, MIMIC, 'mimic only');
  });

  it('adds the relational term only when it is weighted, reported unweighted', () => {
    const off = withBatch(true, (b) => values(studentLoss(b, weights)));
    assert.equal(off.relation, undefined);
    const on = withBatch(true, (b) => values(studentLoss(b, { ...weights, relationWeight: 4 })));
    close(on.relation, RELATION, 'relation');
    close(on.total, MIMIC + 0.1 * IDENTITY + 4 * RELATION, 'total with the relational term');
  });

  it("pulls the pairwise geometry towards the targets' with the relational term alone", () => {
    const grad = withBatch(false, (b) => {
      const g = tf.grad(
        (e) =>
          studentLoss(
            { ...b, embeddings: e as tf.Tensor2D },
            { ...weights, mimicWeight: 0, relationWeight: 1 },
          ).total,
      );
      return g(b.embeddings).arraySync() as number[][];
    });
    // The targets are 45° apart, the embeddings 90°: face 1 ([0, 2]) is turned towards face 0 (x grows).
    assert.ok(grad[1][0] < 0, `d loss / d e_1x = ${grad[1][0]}`);
  });

  it('moves the embeddings towards their targets and classes, and leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const grad = withBatch(true, (b) => {
      const g = tf.grad((e) => studentLoss({ ...b, embeddings: e as tf.Tensor2D }, weights).total);
      return g(b.embeddings).arraySync() as number[][];
    });
    assert.equal(tf.memory().numTensors, before);
    // Face 1 ([0, 2]) is pulled towards its target [1, 1]: the loss falls as its x grows.
    assert.ok(grad[1][0] < 0, `d loss / d e_1x = ${grad[1][0]}`);
    // Face 0 already points at its target and its class: no pull along its own direction.
    assert.ok(Math.abs(grad[0][0]) < 1e-6, `d loss / d e_0x = ${grad[0][0]}`);
  });
});
