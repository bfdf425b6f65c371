import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createStudentNet } from '../../src/models/student/architecture.ts';
import { StudentEmbedder } from '../../src/models/student/student-embedder.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { foldBatchNorm } from '../../src/runtime/fold-batch-norm.ts';
import { trainedLikeStudent } from './fixtures/trained-like-student.ts';
import { fuseChain, UnsupportedLayerError } from '../../src/runtime/fused-chain.ts';

before(async () => {
  await initBackend(); // the backend production uses (wasm here): its fused kernels are under test
});

function maxRelativeDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(a)).dataSync()[0]!);
}

test('fused chain computes what the folded layers graph computes (32 and 24 px students)', () => {
  for (const size of [32, 24]) {
    const model = trainedLikeStudent(size);
    const folded = foldBatchNorm(model);
    const chain = fuseChain(folded);
    const x = tf.randomUniform([5, size, size, 3], 0, 255, 'float32', 9);
    const expected = model.predict(x) as tf.Tensor;
    const fromFolded = folded.predict(x) as tf.Tensor;
    const fused = chain.predict(x as tf.Tensor4D);
    assert.deepEqual(fused.shape, [5, 128]);
    assert.ok(
      maxRelativeDiff(expected, fused) < 1e-4,
      `vs trained graph: ${maxRelativeDiff(expected, fused)}`,
    );
    assert.ok(maxRelativeDiff(fromFolded, fused) < 1e-5, 'vs folded graph');
    tf.dispose([x, expected, fromFolded, fused]);
    chain.dispose();
    folded.dispose();
    model.dispose();
  }
});

test('fused chain owns its weights: usable after the source is disposed, no tensors leak', () => {
  const model = trainedLikeStudent();
  const folded = foldBatchNorm(model);
  model.dispose();
  const before = tf.memory().numTensors;
  const chain = fuseChain(folded);
  folded.dispose();
  const x = tf.randomUniform([2, 32, 32, 3], 0, 255);
  const during = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) chain.predict(x as tf.Tensor4D).dispose();
  assert.equal(tf.memory().numTensors, during, 'predict leaves nothing behind');
  x.dispose();
  chain.dispose();
  assert.ok(tf.memory().numTensors <= before, 'dispose releases the copied weights');
});

test('layers it cannot fuse are named: unfolded batch norm, non-chain graphs', () => {
  const model = createStudentNet({ seed: 2 });
  assert.throws(
    () => fuseChain(model),
    (e: Error) => e instanceof UnsupportedLayerError && /BatchNormalization/.test(e.message),
  );
  const input = tf.input({ shape: [8] });
  const a = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
  const branched = tf.model({ inputs: input, outputs: tf.layers.add().apply([a, b]) as tf.SymbolicTensor });
  assert.throws(
    () => fuseChain(branched),
    (e: Error) => e instanceof UnsupportedLayerError && /chain/.test(e.message),
  );
  model.dispose();
  branched.dispose();
});

test('StudentEmbedder runs fused by default and embeds as the layers graph does', async () => {
  const chips = Array.from({ length: 3 }, (_, k) => ({
    width: 20,
    height: 20,
    data: Uint8Array.from({ length: 20 * 20 * 3 }, (_, i) => (i * (k + 3) * 37) % 256),
  }));
  const fused = new StudentEmbedder(foldBatchNorm(trainedLikeStudent()));
  const plain = new StudentEmbedder(foldBatchNorm(trainedLikeStudent()), { fuse: false });
  assert.equal(fused.isFused, true);
  assert.equal(plain.isFused, false);
  const [a, b] = [await fused.embed(chips), await plain.embed(chips)];
  for (let i = 0; i < chips.length; i++) {
    for (let d = 0; d < 128; d++) assert.ok(Math.abs(a[i]![d]! - b[i]![d]!) < 1e-5);
  }
  fused.dispose();
  plain.dispose();
});
