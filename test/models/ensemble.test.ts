import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { saveAdapter } from '../../src/models/adapter.ts';
import { weightsFingerprint } from '../../src/models/cohort.ts';
import {
  concatUnitVectors,
  ENSEMBLE_FILE,
  EnsembleError,
  readEnsembleMembers,
} from '../../src/models/ensemble.ts';
import { createEmbedder, createGalleryEmbedder, ModelLoadError } from '../../src/models/registry.ts';
import { saveModelToDir } from '../../src/models/student/model-io.ts';
import type { FaceApiTeacher } from '../../src/models/teacher/index.ts';
import { initBackend } from '../../src/runtime/backend.ts';

let dir: string;

/** A tiny layers "student": [N,s,s,3] → [N,dim]. */
async function saveTinyStudent(at: string, dim: number, size = 16, seed = 1): Promise<void> {
  const input = tf.input({ shape: [size, size, 3] });
  const x = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, strides: 2, kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(input) as tf.SymbolicTensor;
  const y = tf.layers
    .dense({ units: dim, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) })
    .apply(tf.layers.flatten().apply(x)) as tf.SymbolicTensor;
  const net = tf.model({ inputs: input, outputs: y });
  await saveModelToDir(net, at);
  net.dispose();
}

/** A tiny adapter over a `teacherDim`-d teacher, saved as training saves one. */
async function saveTinyAdapter(at: string, teacherDim: number, dim: number, seed: number): Promise<void> {
  const input = tf.input({ shape: [teacherDim] });
  const y = tf.layers
    .dense({ units: dim, kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(input) as tf.SymbolicTensor;
  const net = tf.model({ inputs: input, outputs: y });
  await saveAdapter(net, at);
  net.dispose();
}

const chip = (size: number, v: number): RgbImage => ({
  width: size,
  height: size,
  data: new Uint8Array(size * size * 3).map((_, i) => (i * v + 17) % 256),
});

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

before(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'bf-ensemble-'));
  await saveTinyStudent(join(dir, 'a', 'student'), 8, 16, 1);
  await saveTinyAdapter(join(dir, 'a', 'adapter'), 6, 8, 11);
  await saveTinyStudent(join(dir, 'b', 'student'), 4, 16, 5);
  await saveTinyAdapter(join(dir, 'b', 'adapter'), 6, 4, 13);
  await mkdir(join(dir, 'ens'));
  await writeFile(
    join(dir, 'ens', ENSEMBLE_FILE),
    JSON.stringify({ version: 1, members: ['../a/student', '../b/student'] }),
  );
});

after(() => rm(dir, { recursive: true, force: true }));

test('concatenated unit vectors keep unit norm and score the mean of the members’ cosines', () => {
  const unit = (v: number[]) => Float32Array.from(v.map((x) => x / Math.hypot(...v)));
  const a1 = unit([1, 2, 3]);
  const a2 = unit([3, -1, 0.5]);
  const b1 = unit([0.2, -4]);
  const b2 = unit([1, 1]);
  const x = concatUnitVectors([a1, b1]);
  const y = concatUnitVectors([a2, b2]);
  assert.equal(x.length, 5);
  assert.ok(Math.abs(Math.hypot(...x) - 1) < 1e-6);
  assert.ok(Math.abs(dot(x, y) - (dot(a1, a2) + dot(b1, b2)) / 2) < 1e-6);
});

test('ensemble.json: members resolved from its directory; plain model directories have none; bad files named', async () => {
  assert.deepEqual(await readEnsembleMembers(join(dir, 'ens')), [
    join(dir, 'a', 'student'),
    join(dir, 'b', 'student'),
  ]);
  assert.equal(await readEnsembleMembers(join(dir, 'a', 'student')), undefined);
  await mkdir(join(dir, 'one'));
  await writeFile(join(dir, 'one', ENSEMBLE_FILE), JSON.stringify({ version: 1, members: ['../a/student'] }));
  await assert.rejects(readEnsembleMembers(join(dir, 'one')), (e: unknown) => {
    assert.ok(e instanceof EnsembleError);
    assert.ok(e.message.includes(join(dir, 'one', ENSEMBLE_FILE)));
    assert.match(e.message, /two or more members/);
    return true;
  });
});

test('an ensemble directory loads as one embedder: the members’ vectors concatenated, no tensors leaked', async () => {
  const before = tf.memory().numTensors;
  const ens = await createEmbedder(join(dir, 'ens'));
  const a = await createEmbedder(join(dir, 'a', 'student'));
  const b = await createEmbedder(join(dir, 'b', 'student'));
  try {
    assert.equal(ens.name, 'ens');
    assert.equal(ens.dim, 12);
    assert.equal(ens.inputSize, 16);
    assert.equal(ens.params, a.params + b.params);
    const chips = [chip(16, 3), chip(9, 7)];
    const [e, va, vb] = [await ens.embed(chips), await a.embed(chips), await b.embed(chips)];
    for (let i = 0; i < chips.length; i++) {
      const want = concatUnitVectors([va[i]!, vb[i]!]);
      e[i]!.forEach((x, k) => assert.ok(Math.abs(x - want[k]!) < 1e-6));
      assert.ok(Math.abs(Math.hypot(...e[i]!) - 1) < 1e-4);
    }
  } finally {
    ens.dispose();
    a.dispose();
    b.dispose();
  }
  assert.equal(tf.memory().numTensors, before, 'the ensemble left tensors behind');
});

test('members of different input sizes, or nested ensembles, are refused with the file named', async () => {
  await saveTinyStudent(join(dir, 'c', 'student'), 4, 24, 9);
  await mkdir(join(dir, 'mixed'));
  await writeFile(
    join(dir, 'mixed', ENSEMBLE_FILE),
    JSON.stringify({ version: 1, members: ['../a/student', '../c/student'] }),
  );
  await assert.rejects(createEmbedder(join(dir, 'mixed')), /share one input size.*16.*24/);
  await mkdir(join(dir, 'nested'));
  await writeFile(join(dir, 'nested', ENSEMBLE_FILE), JSON.stringify({ version: 1, members: ['../ens', '../a/student'] }));
  await assert.rejects(createEmbedder(join(dir, 'nested')), /member .*ens is itself an ensemble/);
});

test('the gallery side of an ensemble concatenates each member’s adapted-HR vector; a member without an adapter is an error', async () => {
  const teacherVector = Float32Array.from([0.5, -0.1, 0.3, 0.7, -0.2, 0.1]);
  const teacher = {
    dim: 6,
    inputSize: 150,
    params: 1,
    embed: async (chips: readonly RgbImage[]) => chips.map(() => teacherVector),
  } as unknown as FaceApiTeacher;
  const gallery = await createGalleryEmbedder(teacher, join(dir, 'ens'));
  const one = await createGalleryEmbedder(teacher, join(dir, 'a', 'student'));
  const other = await createGalleryEmbedder(teacher, join(dir, 'b', 'student'));
  try {
    assert.equal(gallery.dim, 12);
    const [g] = await gallery.embed([chip(150, 1)]);
    const want = concatUnitVectors([(await one.embed([chip(150, 1)]))[0]!, (await other.embed([chip(150, 1)]))[0]!]);
    g!.forEach((x, k) => assert.ok(Math.abs(x - want[k]!) < 1e-6));
  } finally {
    gallery.dispose();
    one.dispose();
    other.dispose();
  }
  await saveTinyStudent(join(dir, 'd', 'student'), 4, 16, 3);
  await mkdir(join(dir, 'no-adapter'));
  await writeFile(
    join(dir, 'no-adapter', ENSEMBLE_FILE),
    JSON.stringify({ version: 1, members: ['../a/student', '../d/student'] }),
  );
  await assert.rejects(createGalleryEmbedder(teacher, join(dir, 'no-adapter')), (e: unknown) => {
    assert.ok(e instanceof ModelLoadError);
    assert.match(e.message, /d\/student has no step-1 adapter/);
    return true;
  });
});

test('weights fingerprint: a plain model’s is its weights.bin hash; an ensemble’s follows every member', async () => {
  const plain = join(dir, 'a', 'student');
  const sha = createHash('sha256')
    .update(await readFile(join(plain, 'weights.bin')))
    .digest('hex');
  assert.equal(await weightsFingerprint(plain), sha);
  const ens = await weightsFingerprint(join(dir, 'ens'));
  assert.notEqual(ens, sha);
  await saveTinyStudent(join(dir, 'b', 'student'), 4, 16, 77); // retrain a member
  assert.notEqual(await weightsFingerprint(join(dir, 'ens')), ens);
});
