import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/runtime/wasm-training-kernels.ts';
import { planTranspose } from '../../src/runtime/wasm-kernels/blocked-transpose.ts';

type Values = number[];

/** Deterministic pseudo-random values in [-1, 1) (no backend involved). */
function values(n: number, seed: number): Values {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** max |a − b| / max |a|, the relative error used throughout. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(a[i]));
  }
  return num / Math.max(den, 1e-12);
}

function onBackend<T>(name: string, f: () => T): T {
  const previous = tf.getBackend();
  tf.setBackend(name);
  try {
    return f();
  } finally {
    tf.setBackend(previous);
  }
}

interface ConvCase {
  kind: 'conv' | 'depthwise';
  stride: number;
  pad: 'same' | 'valid';
  k: number;
  size: number;
  multiplier: number;
  /** Output channels of a regular conv (input has 3). @defaultValue 5 */
  outC?: number;
}

/** dx and dW of Σ y·w (w fixed, so dy is not uniform) for one convolution, on `backend`. */
function convGrads(backend: string, c: ConvCase, xv: Values, fv: Values): [Float32Array, Float32Array] {
  return onBackend(backend, () =>
    tf.tidy(() => {
      const inC = 3;
      const x = tf.tensor4d(xv, [2, c.size, c.size, inC]);
      const outC = c.kind === 'conv' ? (c.outC ?? 5) : c.multiplier;
      const f = tf.tensor4d(fv, [c.k, c.k, inC, outC]);
      const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
        const a4 = a as tf.Tensor4D;
        const b4 = b as tf.Tensor4D;
        const y =
          c.kind === 'conv'
            ? tf.conv2d(a4, b4, c.stride, c.pad)
            : tf.depthwiseConv2d(a4, b4, c.stride, c.pad);
        const w = tf.reshape(tf.sin(tf.range(0, y.size)), y.shape);
        return tf.sum(tf.mul(y, w));
      };
      const [dx, df] = tf.grads(loss)([x, f]);
      return [dx.dataSync() as Float32Array, df.dataSync() as Float32Array];
    }),
  );
}

const cases: ConvCase[] = [];
for (const kind of ['conv', 'depthwise'] as const)
  for (const stride of [1, 2] as const)
    for (const pad of ['same', 'valid'] as const)
      for (const k of [1, 3] as const)
        for (const size of [7, 8])
          for (const multiplier of kind === 'depthwise' ? [1, 2] : [1])
            cases.push({ kind, stride, pad, k, size, multiplier });
// Odd geometries: taps not a multiple of the stride, stride larger than the filter.
cases.push({ kind: 'conv', stride: 2, pad: 'same', k: 5, size: 9, multiplier: 1 });
cases.push({ kind: 'conv', stride: 1, pad: 'same', k: 1, size: 8, multiplier: 1, outC: 2 });
cases.push({ kind: 'conv', stride: 3, pad: 'valid', k: 2, size: 10, multiplier: 1 });
cases.push({ kind: 'depthwise', stride: 3, pad: 'same', k: 5, size: 11, multiplier: 2 });

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmTrainingKernels();
});

describe('wasm training kernels agree with the cpu backend', () => {
  for (const c of cases) {
    const name = `${c.kind} k${c.k} s${c.stride} ${c.pad} ${c.size}x${c.size}${c.kind === 'depthwise' ? ` m${c.multiplier}` : ''}`;
    test(name, () => {
      const outC = c.kind === 'conv' ? (c.outC ?? 5) : c.multiplier;
      const xv = values(2 * c.size * c.size * 3, 1);
      const fv = values(c.k * c.k * 3 * outC, 2);
      const [dxCpu, dfCpu] = convGrads('cpu', c, xv, fv);
      const [dxWasm, dfWasm] = convGrads('wasm', c, xv, fv);
      assert.ok(relError(dxCpu, dxWasm) < 1e-4, `dx rel error ${relError(dxCpu, dxWasm)}`);
      assert.ok(relError(dfCpu, dfWasm) < 1e-4, `dW rel error ${relError(dfCpu, dfWasm)}`);
    });
  }

  test('Sum and Mean over leading, trailing and middle axes, with and without keepDims', () => {
    for (const shape of [
      [5, 4, 3, 6],
      [7, 9],
      [2, 3, 4],
    ]) {
      const v = values(
        shape.reduce((a, b) => a * b, 1),
        3,
      );
      for (const axis of [[0], [0, 1], [0, 1, 2], [1], [-1]]) {
        if (axis.some((a) => a >= shape.length)) continue;
        for (const keepDims of [false, true]) {
          const run = (b: string): { data: Float32Array; shape: number[] } =>
            onBackend(b, () =>
              tf.tidy(() => {
                const t = tf.tensor(v, shape);
                const s = tf.sum(t, axis, keepDims);
                const m = tf.mean(t, axis, keepDims);
                return { data: Float32Array.from([...s.dataSync(), ...m.dataSync()]), shape: s.shape };
              }),
            );
          const cpu = run('cpu');
          const wasm = run('wasm');
          assert.deepEqual(wasm.shape, cpu.shape);
          assert.ok(relError(cpu.data, wasm.data) < 1e-5, `${shape} ${axis} ${keepDims}`);
        }
      }
    }
  });

  test('gradients of a net with conv, depthwise, batch norm, pooling and dense match', () => {
    const grads = (b: string): Float32Array[] =>
      onBackend(b, () => {
        const model = smallNet(7);
        const out = tf.tidy(() => {
          const x = tf.tensor4d(values(4 * 8 * 8 * 3, 4), [4, 8, 8, 3]);
          const { grads: g } = tf.variableGrads(() =>
            tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)),
          );
          return Object.keys(g)
            .sort()
            .map((k) => g[k].dataSync() as Float32Array);
        });
        model.dispose();
        return out;
      });
    const cpu = grads('cpu');
    const wasm = grads('wasm');
    assert.equal(wasm.length, cpu.length);
    cpu.forEach((g, i) => assert.ok(relError(g, wasm[i]) < 1e-4, `variable ${i}: ${relError(g, wasm[i])}`));
  });
});

test('planned (blocked) transposes equal one transpose', () => {
  const cases: [number[], number[], number][] = [
    [[128, 16, 16, 32], [3, 1, 2, 0], 2], // x → [Ci,H,W,N]: blocked
    [[128, 16, 16, 32], [1, 2, 3, 0], 2],
    [[128, 8, 8, 64], [1, 2, 0, 3], 1], // innermost axis kept: one step
    [[2, 64, 1, 96], [3, 0, 2, 1], 1], // size-1 axis dropped, adjacent axes merged
    [[64, 32], [1, 0], 1], // small: one step
  ];
  for (const [shape, perm, steps] of cases) {
    const plan = planTranspose(shape, perm);
    assert.equal(plan.length, steps, `${shape} ${perm}`);
    const same = onBackend('cpu', () =>
      tf.tidy(() => {
        const x = tf.reshape(
          tf.range(
            0,
            shape.reduce((a, b) => a * b, 1),
          ),
          shape,
        );
        let out: tf.Tensor = x;
        for (const step of plan) out = tf.transpose(tf.reshape(out, step.shape), step.perm);
        const want = tf.transpose(x, perm);
        return tf.all(tf.equal(tf.reshape(out, want.shape), want)).dataSync()[0];
      }),
    );
    assert.equal(same, 1, `${shape} ${perm}`);
  }
});

test('clone shares the wasm buffer and outlives its source', () => {
  const buffers = tf.engine().backend.numDataIds();
  const a = tf.tensor1d([1, 2, 3]);
  const b = a.clone();
  assert.equal(tf.engine().backend.numDataIds(), buffers + 1);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  b.dispose();
  assert.equal(tf.engine().backend.numDataIds(), buffers);
});

test('the Tile-free batch-norm gradient equals the gradient of the batch-norm formula', () => {
  const [x, mean, variance, scale, offset] = [
    tf.tensor4d(values(2 * 3 * 3 * 4, 8), [2, 3, 3, 4]),
    tf.tensor1d(values(4, 9)),
    tf.tensor1d(values(4, 10).map((v) => v + 1.5)),
    tf.tensor1d(values(4, 11)),
    tf.tensor1d(values(4, 12)),
  ];
  const w = tf.reshape(tf.cos(tf.range(0, x.size)), x.shape);
  const fused = tf.grads((a, m, v, s, o) =>
    tf.sum(
      tf.mul(
        tf.batchNorm4d(
          a as tf.Tensor4D,
          m as tf.Tensor1D,
          v as tf.Tensor1D,
          o as tf.Tensor1D,
          s as tf.Tensor1D,
          1e-3,
        ),
        w,
      ),
    ),
  )([x, mean, variance, scale, offset]);
  const formula = tf.grads((a, m, v, s, o) =>
    tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(a, m), tf.rsqrt(tf.add(v, 1e-3))), s), o), w)),
  )([x, mean, variance, scale, offset]);
  fused.forEach((g, i) => assert.ok(relError(formula[i].dataSync(), g.dataSync()) < 1e-5, `input ${i}`));
  tf.dispose([x, mean, variance, scale, offset, w, ...fused, ...formula]);
});

/** Conv s2, depthwise s1/s2 with batch norm, 1x1 conv, average pool, global pooling, dense. */
function smallNet(seed: number): tf.Sequential {
  const init = (): ReturnType<typeof tf.initializers.glorotUniform> =>
    tf.initializers.glorotUniform({ seed: seed++ });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 3],
        filters: 8,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      }),
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: init(),
      }),
      tf.layers.batchNormalization({}),
      tf.layers.reLU(),
      tf.layers.conv2d({ filters: 12, kernelSize: 1, useBias: false, kernelInitializer: init() }),
      tf.layers.batchNormalization({}),
      tf.layers.reLU(),
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        strides: 2,
        depthMultiplier: 2,
        padding: 'same',
        depthwiseInitializer: init(),
      }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 6, kernelInitializer: init() }),
    ],
  });
}

test('100 training steps on wasm leave tensors and backend buffers unchanged', () => {
  const model = smallNet(11);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.tensor4d(values(8 * 8 * 8 * 3, 5), [8, 8, 8, 3]);
  const target = tf.tensor2d(values(8 * 6, 6), [8, 6]);
  const step = (): number => {
    const loss = optimizer.minimize(
      () => tf.losses.meanSquaredError(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    );
    const value = loss?.dataSync()[0] ?? NaN;
    loss?.dispose();
    return value;
  };
  const first = step(); // creates the optimizer's slots
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  let last = first;
  for (let i = 0; i < 100; i++) last = step();
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(tf.engine().backend.numDataIds(), buffers);
  assert.ok(Number.isFinite(last) && last < first, `loss ${first} → ${last}`);
  model.dispose();
  optimizer.dispose();
  tf.dispose([x, target]);
});
