import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import {
  BACKEND_CHOICES,
  chooseBackend,
  initBackend,
  parseBackendEnv,
  skipReason,
  type BackendChoice,
} from '../../src/runtime/backend.ts';

test('parseBackendEnv accepts each choice and treats unset/empty as no choice', () => {
  assert.equal(parseBackendEnv(undefined), undefined);
  assert.equal(parseBackendEnv(''), undefined);
  for (const choice of BACKEND_CHOICES) assert.equal(parseBackendEnv(choice), choice);
});

test('parseBackendEnv rejects anything else, naming the allowed values', () => {
  for (const bad of ['gpu', 'WASM', 'webgl', ' wasm']) {
    assert.throws(
      () => parseBackendEnv(bad),
      (err: Error) =>
        err.message.includes(bad) && err.message.includes('tensorflow-gpu, tensorflow, wasm, cpu'),
    );
  }
});

function resolvable(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

test('initBackend picks wasm when no native package is installed, reports why, and registers training kernels', async (t) => {
  if (resolvable('@tensorflow/tfjs-node-gpu') || resolvable('@tensorflow/tfjs-node')) {
    t.skip('a native tfjs package is installed here: it would be chosen before wasm');
    return;
  }
  delete process.env.BRIDGEFACE_BACKEND;
  const info = await initBackend();
  assert.equal(info.choice, 'wasm');
  assert.equal(info.tfBackend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(info.forced, false);
  assert.equal(info.trainingKernels, true);
  assert.deepEqual(
    info.skipped.map((s) => s.choice),
    ['tensorflow-gpu', 'tensorflow'],
  );
  for (const s of info.skipped) assert.ok(s.reason.length > 0, `${s.choice} has a reason`);
  for (const kernel of [
    'Conv2DBackpropFilter',
    'DepthwiseConv2dNativeBackpropFilter',
    'DepthwiseConv2dNativeBackpropInput',
  ]) {
    assert.ok(tf.getKernel(kernel, 'wasm'), `${kernel} registered`);
  }
  assert.equal(await initBackend(), info, 'later calls return the first result');
});

test('a missing optional native package reads as "not installed", other failures keep their message', () => {
  const missing = new Error(
    "Cannot find package '@tensorflow/tfjs-node-gpu' imported from /app/src/runtime/backend.ts",
  );
  assert.equal(skipReason(missing), 'not installed (optional package)');
  assert.equal(
    skipReason(new Error('libcudart.so.11.0: cannot open shared object file\nmore')),
    'libcudart.so.11.0: cannot open shared object file',
  );
});

test('the selection rule, whatever is installed: first that activates wins, each better one says why', async () => {
  const fake = (failures: Partial<Record<BackendChoice, string>>) => async (choice: BackendChoice) => {
    const why = failures[choice];
    if (why !== undefined) throw new Error(why);
    return { tfBackend: choice === 'wasm' ? 'wasm' : choice, trainingKernels: choice === 'wasm' };
  };
  const info = await chooseBackend(
    undefined,
    1,
    fake({
      'tensorflow-gpu': "Cannot find package '@tensorflow/tfjs-node-gpu' imported from x",
      tensorflow: 'libtensorflow.so.2: cannot open shared object file\nstack',
    }),
  );
  assert.equal(info.choice, 'wasm');
  assert.equal(info.forced, false);
  assert.deepEqual(info.skipped, [
    { choice: 'tensorflow-gpu', reason: 'not installed (optional package)' },
    { choice: 'tensorflow', reason: 'libtensorflow.so.2: cannot open shared object file' },
  ]);
  const native = await chooseBackend(undefined, 1, fake({}));
  assert.equal(native.choice, 'tensorflow-gpu', 'an installed GPU package is chosen first');
  assert.deepEqual(native.skipped, []);
  const forced = await chooseBackend('cpu', 1, fake({ 'tensorflow-gpu': 'x', tensorflow: 'x', wasm: 'x' }));
  assert.equal(forced.choice, 'cpu');
  assert.equal(forced.forced, true);
  await assert.rejects(
    chooseBackend('tensorflow', 1, fake({ tensorflow: 'no GPU' })),
    /BRIDGEFACE_BACKEND=tensorflow cannot be used: no GPU/,
  );
  await assert.rejects(
    chooseBackend(undefined, 1, fake({ 'tensorflow-gpu': 'a', tensorflow: 'b', wasm: 'c', cpu: 'd' })),
    /no tfjs backend could be initialised/,
  );
});
