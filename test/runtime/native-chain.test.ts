import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { randomRgbImages } from '../../src/image/rgb-image.ts';
import { createStudentNet } from '../../src/models/student/architecture.ts';
import { loadStudentEmbedder, NATIVE_PARITY_TOLERANCE } from '../../src/models/student/student-embedder.ts';
import { studentModelDir } from '../../src/models/model-paths.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { foldBatchNorm } from '../../src/runtime/fold-batch-norm.ts';
import { trainedLikeStudent } from './fixtures/trained-like-student.ts';
import { fuseChain, UnsupportedLayerError } from '../../src/runtime/fused-chain.ts';
import {
  compileNativeChain,
  nativeAddon,
  NATIVE_ADDON_PATH,
  parseNativeMode,
  parseNativeThreads,
} from '../../src/runtime/native-chain.ts';

/**
 * The native student runtime (oneDNN addon) against the tfjs fused chain it replaces. The addon is
 * optional for users, but not here: CI installs libdnnl-dev (.ci/run) and npm install builds it.
 */
before(async () => {
  await initBackend();
  assert.doesNotThrow(
    () => nativeAddon(),
    `the native addon must be built for these tests (${NATIVE_ADDON_PATH}): apt-get install libdnnl-dev, then npm run build:native`,
  );
});

/** A trained-like student (fixtures/trained-like-student.ts) with its BN folded, as loaded students are. */
function trainedLikeFoldedStudent(inputSize: number, seedBase: number): tf.LayersModel {
  const model = trainedLikeStudent(inputSize, seedBase, seedBase * 100);
  const folded = foldBatchNorm(model);
  model.dispose();
  return folded;
}

/** max |a − b| / max |a| over two [n, D] results. */
function relativeDiff(expected: Float32Array, got: Float32Array): number {
  assert.equal(got.length, expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(expected[i]! - got[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

function tfjsOutputs(
  model: tf.LayersModel,
  pixels: Float32Array,
  n: number,
  size: number,
  channels = 3,
): Float32Array {
  const chain = fuseChain(model);
  const y = tf.tidy(() => chain.predict(tf.tensor4d(pixels, [n, size, size, channels])));
  const values = y.dataSync() as Float32Array;
  y.dispose();
  chain.dispose();
  return values;
}

function randomPixels(count: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomUniform([count], 0, 255, 'float32', seed).dataSync() as Float32Array);
}

test('native chain computes what the fused tfjs chain computes (32 and 24 px students, 1 and 2 threads)', async () => {
  for (const [size, threads] of [
    [32, 1],
    [24, 2],
  ] as const) {
    const model = trainedLikeFoldedStudent(size, size);
    const chain = compileNativeChain(model, threads);
    assert.equal(chain.inputHeight, size);
    assert.equal(chain.inputWidth, size);
    assert.equal(chain.dim, 128);
    assert.equal(chain.threads, threads);
    // 1 and 5 run on one thread whatever the count; 16 and up on `threads`; 40 and 100 as chunks
    // (32 + 8, 64 + 32 + 4).
    for (const n of [1, 5, 16, 40, 100]) {
      const pixels = randomPixels(n * size * size * 3, n + size);
      const got = await chain.run(pixels, n);
      const diff = relativeDiff(tfjsOutputs(model, pixels, n, size), got);
      assert.ok(diff < 1e-5, `${size} px, ${threads} thread(s), batch ${n}: relative diff ${diff}`);
    }
    chain.dispose();
    model.dispose();
  }
});

test('native chain handles ReLU, stride-2 same padding on odd sizes, depth multipliers and no Rescaling', async () => {
  const input = tf.input({ shape: [15, 15, 3] });
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })
    .apply(input) as tf.SymbolicTensor; // 8x8x8
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid', useBias: true })
    .apply(x) as tf.SymbolicTensor; // 6x6x16
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 6, padding: 'valid', useBias: false })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 10, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  // Non-zero biases, so that a dropped bias shows.
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 2) {
      const bias = tf.randomNormal(weights[1]!.shape, 0, 0.5, 'float32', 7);
      layer.setWeights([weights[0]!, bias]);
      bias.dispose();
    }
  }
  const chain = compileNativeChain(model, 1);
  assert.equal(chain.dim, 10);
  const pixels = randomPixels(3 * 15 * 15 * 3, 11).map((v) => v / 255 - 0.5);
  const diff = relativeDiff(tfjsOutputs(model, pixels, 3, 15), await chain.run(pixels, 3));
  assert.ok(diff < 1e-5, `relative diff ${diff}`);
  chain.dispose();
  model.dispose();
});

test('a fully convolutional chain (any input size, ending in a conv) returns its output maps', async () => {
  // The small-face detector's shape: strided stem, 5x5 depthwise, 1x1 head; sides multiples of 8.
  const input = tf.input({ shape: [null, null, 3] });
  let x = tf.layers.rescaling({ scale: 1 / 127.5, offset: -1 }).apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 5, strides: 2, padding: 'same', useBias: true })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  const output = tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  const chain = compileNativeChain(model, 2);
  assert.equal(chain.inputHeight, null);
  assert.equal(chain.inputWidth, null);
  assert.equal(chain.dim, 4);
  assert.throws(() => chain.run(new Float32Array(8 * 8 * 3), 1), /pass height and width/);
  for (const [n, h, w] of [
    [1, 8, 8],
    [3, 24, 40],
    [20, 16, 16],
    [3, 24, 40],
  ] as const) {
    const pixels = randomPixels(n * h * w * 3, h * w + n);
    const fused = fuseChain(model);
    const y = tf.tidy(() => fused.predict(tf.tensor4d(pixels, [n, h, w, 3])));
    assert.deepEqual(y.shape, [n, h / 4, w / 4, 4]);
    const expected = y.dataSync() as Float32Array;
    y.dispose();
    fused.dispose();
    const diff = relativeDiff(expected, await chain.run(pixels, n, h, w));
    assert.ok(diff < 1e-5, `${n} x ${h}x${w}: relative diff ${diff}`);
  }
  chain.dispose();
  model.dispose();
});

test('models the native runtime cannot express are UnsupportedLayerError (the caller keeps tfjs)', () => {
  const unfolded = createStudentNet({ inputSize: 32, seed: 1 });
  assert.throws(
    () => compileNativeChain(unfolded),
    (e: Error) => e instanceof UnsupportedLayerError && /BatchNormalization/.test(e.message),
  );
  unfolded.dispose();
  const input = tf.input({ shape: [4, 4, 2] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const bigFlatten = tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 3 }).apply(flat) as tf.SymbolicTensor,
  });
  assert.throws(
    () => compileNativeChain(bigFlatten),
    (e: Error) => e instanceof UnsupportedLayerError && /Flatten of a map larger than 1x1/.test(e.message),
  );
  bigFlatten.dispose();
});

test('bad calls fail with a message naming the problem; a disposed chain rejects', async () => {
  const model = trainedLikeFoldedStudent(32, 5);
  const chain = compileNativeChain(model);
  assert.throws(() => chain.run(new Float32Array(10), 1), /pixels hold 10 floats, expected n x 32 x 32 x 3/);
  assert.throws(() => chain.run(new Float32Array(0), 0), /n, height and width positive integers/);
  chain.dispose();
  chain.dispose(); // idempotent
  await assert.rejects(chain.run(new Float32Array(32 * 32 * 3), 1), /disposed/);
  model.dispose();
});

test('concurrent runs each get their own batch back', async () => {
  const model = trainedLikeFoldedStudent(32, 6);
  const chain = compileNativeChain(model, 2);
  const sizes = [3, 17, 1, 32, 8, 17];
  const inputs = sizes.map((n, i) => randomPixels(n * 32 * 32 * 3, 100 + i));
  const results = await Promise.all(inputs.map((pixels, i) => chain.run(pixels, sizes[i]!)));
  results.forEach((got, i) => {
    const diff = relativeDiff(tfjsOutputs(model, inputs[i]!, sizes[i]!, 32), got);
    assert.ok(diff < 1e-5, `run ${i} (batch ${sizes[i]}): relative diff ${diff}`);
  });
  chain.dispose();
  model.dispose();
});

test('an idle native chain does not keep the process alive', () => {
  const module = fileURLToPath(new URL('../../src/models/student/student-embedder.ts', import.meta.url));
  const script = [
    `import { loadStudentEmbedder } from ${JSON.stringify(module)};`,
    `import { randomRgbImages } from ${JSON.stringify(fileURLToPath(new URL('../../src/image/rgb-image.ts', import.meta.url)))};`,
    `const e = await loadStudentEmbedder(${JSON.stringify(studentModelDir())}, { native: 'on' });`,
    `const out = await e.embed(randomRgbImages(20, 32, 1));`,
    `console.log(e.runtime, out.length);`,
  ].join('\n');
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, BRIDGEFACE_LOG_LEVEL: 'silent' },
  });
  assert.equal(
    child.signal,
    null,
    `the process had to be killed (it did not exit): ${child.stderr.slice(-300)}`,
  );
  assert.equal(child.status, 0, child.stderr.slice(-500));
  assert.match(child.stdout, /^onednn 20$/m);
});

test('loadStudentEmbedder: `on` embeds natively, `off` on tfjs, with the same embeddings', async () => {
  const native = await loadStudentEmbedder(studentModelDir(), { native: 'on', nativeThreads: 2 });
  const plain = await loadStudentEmbedder(studentModelDir(), { native: 'off' });
  assert.equal(native.runtime, 'onednn');
  assert.equal(native.nativeThreads, 2);
  assert.equal(plain.runtime, 'tfjs');
  assert.equal(plain.nativeThreads, undefined);
  const chips = [
    ...randomRgbImages(70, 32, 'a'),
    ...randomRgbImages(3, 50, 'b'),
    ...randomRgbImages(2, 12, 'c'),
  ];
  const a = await native.embed(chips);
  const b = await plain.embed(chips);
  assert.equal(a.length, chips.length);
  let delta = 0;
  a.forEach((v, i) => {
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, 'unit norm');
    v.forEach((x, j) => (delta = Math.max(delta, Math.abs(x - b[i]![j]!))));
  });
  assert.ok(delta < NATIVE_PARITY_TOLERANCE, `max |Δ| ${delta}`);
  native.dispose();
  plain.dispose();
});

test('useNative refuses a chain whose embeddings differ, and the student stays on tfjs', async () => {
  const student = await loadStudentEmbedder(studentModelDir(), { native: 'off' });
  const other = trainedLikeFoldedStudent(32, 9); // same shapes, other weights
  const chain = compileNativeChain(other);
  await assert.rejects(student.useNative(chain), /native embeddings differ from tfjs' by up to/);
  assert.equal(student.runtime, 'tfjs');
  await assert.rejects(chain.run(new Float32Array(32 * 32 * 3), 1), /disposed/);
  student.dispose();
  other.dispose();
});

test('BRIDGEFACE_NATIVE and BRIDGEFACE_NATIVE_THREADS are validated', () => {
  assert.equal(parseNativeMode(undefined), 'auto');
  assert.equal(parseNativeMode(''), 'auto');
  assert.equal(parseNativeMode('off'), 'off');
  assert.throws(() => parseNativeMode('yes'), /BRIDGEFACE_NATIVE=yes is not one of: auto, on, off/);
  assert.equal(parseNativeThreads(undefined), 1);
  assert.equal(parseNativeThreads('2'), 2);
  assert.throws(() => parseNativeThreads('0'), /BRIDGEFACE_NATIVE_THREADS=0 is not an integer from 1 to 64/);
  assert.throws(() => parseNativeThreads('1.5'), /BRIDGEFACE_NATIVE_THREADS=1.5/);
});
