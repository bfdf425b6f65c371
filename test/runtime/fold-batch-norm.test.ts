import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createReferenceNet } from '../../src/models/reference-nets.ts';
import { foldBatchNorm } from '../../src/runtime/fold-batch-norm.ts';

before(async () => {
  await tf.setBackend('cpu');
});

/** Non-trivial batch-norm state, as after training (fresh layers have γ=1, β=0, μ=0, σ²=1). */
function randomiseBatchNorm(model: tf.LayersModel): void {
  let seed = 1;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const [gamma, beta, mean, variance] = layer.getWeights();
    const fresh = [
      tf.randomUniform(gamma.shape, 0.5, 1.5, 'float32', seed++),
      tf.randomNormal(beta.shape, 0, 0.5, 'float32', seed++),
      tf.randomNormal(mean.shape, 0, 0.5, 'float32', seed++),
      tf.randomUniform(variance.shape, 0.5, 2, 'float32', seed++),
    ];
    layer.setWeights(fresh);
    tf.dispose(fresh);
  }
}

test('folded mobile net computes the same embeddings in inference mode, with fewer layers and params', () => {
  const model = createReferenceNet('mobile');
  randomiseBatchNorm(model);
  const tensorsBefore = tf.memory().numTensors;
  const folded = foldBatchNorm(model);
  const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 42);
  const a = model.predict(x) as tf.Tensor;
  const b = folded.predict(x) as tf.Tensor;
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
  const scale = tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
  assert.ok(diff / scale < 1e-4, `relative difference ${diff / scale}`);
  const bnCount = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
  assert.equal(bnCount, 11);
  assert.equal(folded.layers.filter((l) => l.getClassName() === 'BatchNormalization').length, 0);
  assert.ok(folded.layers.length < model.layers.length);
  assert.ok(folded.countParams() < model.countParams(), `${folded.countParams()} < ${model.countParams()}`);
  tf.dispose([x, a, b]);
  folded.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore, 'folding leaves no tensors behind');
  // The source model keeps working: its weights were read, not taken.
  const again = model.predict(tf.zeros([1, 16, 16, 3])) as tf.Tensor;
  assert.deepEqual(again.shape, [1, 128]);
  model.dispose();
});

test('a model without batch norm is copied unchanged', () => {
  const model = createReferenceNet('plain');
  const folded = foldBatchNorm(model);
  const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 7);
  const diff = tf
    .max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, folded.predict(x) as tf.Tensor)))
    .dataSync()[0];
  assert.equal(diff, 0);
  assert.equal(folded.countParams(), model.countParams());
  model.dispose();
  assert.ok(folded.predict(x), 'the copy owns its weights');
  folded.dispose();
});

test('non-chain models are rejected', () => {
  const input = tf.input({ shape: [4] });
  const a = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.add().apply([a, b]) as tf.SymbolicTensor });
  assert.throws(() => foldBatchNorm(model), /only chains are supported/);
});
