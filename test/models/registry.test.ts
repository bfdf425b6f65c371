import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  createEmbedder,
  defaultStudentDir,
  loadLayersEmbedder,
  ModelLoadError,
} from '../../src/models/registry.ts';
import { adapterDirFor } from '../../src/models/adapter.ts';
import { REPO_ROOT } from '../../src/models/model-paths.ts';
import { STUDENT_MAX_PARAMS } from '../../src/models/student/index.ts';
import { saveModelToDir } from '../../src/models/student/model-io.ts';
import { initBackend } from '../../src/runtime/backend.ts';

let dir: string;

before(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'bf-registry-'));
});

after(() => rm(dir, { recursive: true, force: true }));

test('missing student weights: a clear error naming the path', async () => {
  await assert.rejects(loadLayersEmbedder(join(dir, 'student'), 'student'), (e: unknown) => {
    assert.ok(e instanceof ModelLoadError);
    assert.match(e.message, /student weights not found/);
    assert.ok(e.message.includes(join(dir, 'student', 'model.json')));
    return true;
  });
  // The shipped student is in the repository: point the default at an empty directory instead.
  const saved = process.env.BRIDGEFACE_STUDENT_DIR;
  process.env.BRIDGEFACE_STUDENT_DIR = join(dir, 'no-student-here');
  try {
    assert.ok(!existsSync(join(defaultStudentDir(), 'model.json')));
    await assert.rejects(
      createEmbedder('student'),
      /student weights not found.*no-student-here\/model\.json does not exist/,
    );
  } finally {
    if (saved === undefined) delete process.env.BRIDGEFACE_STUDENT_DIR;
    else process.env.BRIDGEFACE_STUDENT_DIR = saved;
  }
});

test('unknown specs and non-model directories are clear errors', async () => {
  await assert.rejects(
    createEmbedder(join(dir, 'typo')),
    /unknown model \(expected teacher, student or a model directory\)/,
  );
  await mkdir(join(dir, 'empty'));
  await assert.rejects(createEmbedder(join(dir, 'empty')), /not a model directory: .*empty\/model\.json/);
});

test('a saved LayersModel loads as a unit-norm FaceEmbedder without leaking tensors', async () => {
  const input = tf.input({ shape: [16, 16, 3] });
  const x = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu' })
    .apply(input) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units: 8 }).apply(tf.layers.flatten().apply(x)) as tf.SymbolicTensor;
  const net = tf.model({ inputs: input, outputs: y });
  const modelDir = join(dir, 'tiny');
  await saveModelToDir(net, modelDir);
  net.dispose();

  const before = tf.memory().numTensors;
  const emb = await createEmbedder(modelDir);
  assert.equal(emb.inputSize, 16);
  assert.equal(emb.dim, 8);
  assert.equal(emb.name, 'tiny');
  assert.ok(emb.params > 0);
  const chip = (size: number, v: number) => ({
    width: size,
    height: size,
    data: new Uint8Array(size * size * 3).map((_, i) => (i * v) % 256),
  });
  const afterLoad = tf.memory().numTensors;
  const out = await emb.embed([chip(16, 7), chip(8, 3), chip(40, 11)]);
  assert.equal(out.length, 3);
  for (const v of out) {
    assert.equal(v.length, 8);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4);
  }
  assert.equal(tf.memory().numTensors, afterLoad, 'embed leaked tensors');
  // Loading by the model.json path is the same model.
  const again = await loadLayersEmbedder(join(modelDir, 'model.json'));
  assert.deepEqual((await again.embed([chip(16, 7)]))[0], out[0]);
  again.dispose();
  emb.dispose();
  emb.dispose();
  assert.equal(tf.memory().numTensors, before, 'dispose left tensors behind');
  await assert.rejects(emb.embed([chip(16, 1)]), /disposed/);
});

test('models with the wrong input shape are rejected', async () => {
  const input = tf.input({ shape: [16, 12, 3] });
  const net = tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 4 }).apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor,
  });
  await saveModelToDir(net, join(dir, 'bad'));
  net.dispose();
  await assert.rejects(createEmbedder(join(dir, 'bad')), /student model must map \[N,s,s,3\] to \[N,D\]/);
});

test('the shipped wide student loads as a second model: ≤ 1M parameters, 128-d, its own adapter beside it', async () => {
  const dir = join(REPO_ROOT, 'models', 'wide', 'student');
  const wide = await createEmbedder(dir);
  try {
    assert.equal(wide.dim, 128);
    assert.ok(wide.params > STUDENT_MAX_PARAMS && wide.params <= 1_000_000, `${wide.params} parameters`);
    assert.equal(adapterDirFor(dir), join(REPO_ROOT, 'models', 'wide', 'adapter'));
    const [v] = await wide.embed([{ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(128) }]);
    assert.ok(Math.abs(Math.hypot(...v!) - 1) < 1e-4);
  } finally {
    wide.dispose();
  }
});
