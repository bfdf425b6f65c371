import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/runtime/backend.ts';
import { createStudentNet, STUDENT_MAX_PARAMS } from '../../../src/models/student/architecture.ts';
import { modelSizeOnDisk, saveModelToDir, toFloat16Bits } from '../../../src/models/student/model-io.ts';
import {
  exportQuantizedStudent,
  loadStudentEmbedder,
  StudentEmbedder,
} from '../../../src/models/student/student-embedder.ts';
import { randomRgbImages } from '../../../src/image/rgb-image.ts';

process.env.BRIDGEFACE_LOG_LEVEL ??= 'warn';


function cos(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe('student network', () => {
  let dir: string;
  before(async () => {
    await initBackend();
    dir = await mkdtemp(join(tmpdir(), 'bf-student-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has at most 0.21M parameters and maps [N,32,32,3] to [N,128]', () => {
    const model = createStudentNet();
    assert.ok(model.countParams() <= STUDENT_MAX_PARAMS, `params ${model.countParams()}`);
    assert.deepEqual(model.inputs[0].shape, [null, 32, 32, 3]);
    const y = tf.tidy(() => model.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor);
    assert.deepEqual(y.shape, [2, 128]);
    y.dispose();
    model.dispose();
  });

  it('rejects input sizes the stride-8 layout cannot use', () => {
    assert.throws(() => createStudentNet({ inputSize: 20 }), RangeError);
  });

  it('round-trips through a directory with identical embeddings; float16 stays close', async () => {
    const model = createStudentNet({ seed: 3 });
    // Non-trivial BN statistics so the round trip covers moving mean/variance too.
    const x = tf.randomUniform([8, 32, 32, 3], 0, 255, 'float32', 5);
    tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor);
    x.dispose();
    const fp32 = join(dir, 'fp32');
    const fp16 = join(dir, 'fp16');
    await saveModelToDir(model, fp32);
    await exportQuantizedStudent(model, fp16, 'float16');
    const chips = randomRgbImages(5, 40, 9);
    const original = await loadStudentEmbedder(fp32);
    const half = await loadStudentEmbedder(fp16);
    const a = await original.embed(chips);
    const b = await half.embed(chips);
    assert.equal(original.params, model.countParams());
    assert.equal(original.inputSize, 32);
    assert.equal(original.dim, 128);
    for (let i = 0; i < a.length; i++) {
      assert.ok(Math.abs(cos(a[i], a[i]) - 1) < 1e-5, 'unit norm');
      assert.ok(cos(a[i], b[i]) > 0.999, `float16 cosine ${cos(a[i], b[i])}`);
    }
    // Without BN folding the reloaded model gives exactly the in-memory model's embeddings; with the
    // (default) folding they agree to float rounding.
    const inMemory = new StudentEmbedder(model);
    const unfolded = await loadStudentEmbedder(fp32, { foldBatchNorm: false });
    const m = await inMemory.embed(chips);
    assert.deepEqual(await unfolded.embed(chips), m);
    m.forEach((v, i) => assert.ok(cos(v, a[i]) > 0.99999, `folded cosine ${cos(v, a[i])}`));
    unfolded.dispose();
    assert.ok((await modelSizeOnDisk(fp16)) < 0.6 * (await modelSizeOnDisk(fp32)));
    for (const e of [original, half, inMemory]) {
      e.dispose();
      e.dispose(); // idempotent
    }
  });

  it('embedding leaks no tensors', async () => {
    const model = createStudentNet({ width: 8, inputSize: 16 });
    const dirSmall = join(dir, 'small');
    await saveModelToDir(model, dirSmall);
    model.dispose();
    const embedder = await loadStudentEmbedder(dirSmall, { batchSize: 3 });
    await embedder.embed(randomRgbImages(2, 16, 1));
    const before = tf.memory().numTensors;
    await embedder.embed(randomRgbImages(7, 24, 2));
    assert.equal(tf.memory().numTensors, before);
    embedder.dispose();
  });

  it('converts float32 to IEEE half precisely', () => {
    assert.equal(toFloat16Bits(1), 0x3c00);
    assert.equal(toFloat16Bits(-2), 0xc000);
    assert.equal(toFloat16Bits(65504), 0x7bff);
    assert.equal(toFloat16Bits(1e6), 0x7c00);
    assert.equal(toFloat16Bits(0.333251953125), 0x3555);
    assert.equal(toFloat16Bits(5.960464477539063e-8), 0x0001);
  });
});
