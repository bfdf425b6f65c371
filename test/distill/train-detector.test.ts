import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createSmallFaceNet } from '../../src/detect/small-face-net.ts';
import {
  detectorTargets,
  renderDetectorSample,
  type DetectorSample,
  type DetectorSampleSources,
} from '../../src/distill/detector-samples.ts';
import { batchTensors, smallFaceLoss, type TargetTensors } from '../../src/distill/train-detector.ts';
import type { Box } from '../../src/image/box.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { registerWasmTrainingKernels } from '../../src/runtime/wasm-training-kernels.ts';
import { createRng } from '../../src/util/random.ts';

process.env.BRIDGEFACE_LOG_LEVEL ??= 'warn';

/** Tile 32 → an 8x8 grid at stride 4. */
const T = 32;
const G = 8;

/** A sample with blank pixels and the given labels. */
function sample(faces: Box[], ignore: Box[] = [], tile = T): DetectorSample {
  return { pixels: new Float32Array(tile * tile * 3), tile, faces, ignore };
}

/** Centre (18, 14) → cell (4, 3), offset (0.5, 0.5); side 24 → ln(1.5). */
const FACE: Box = { x: 6, y: 2, width: 24, height: 24 };
const FACE_CELL = 3 * G + 4;

interface HeadValues {
  logit: Float32Array;
  size: Float32Array;
  offset: Float32Array; // [cells * 2]
}

/** Head values (one image) set to the targets: logits `lo` everywhere, `hi` at centres. */
function headFrom(s: DetectorSample, lo = -6, hi = 6): HeadValues {
  const t = detectorTargets(s, 4, 16);
  return {
    logit: Float32Array.from(t.centre, (c) => (c === 1 ? hi : lo)),
    size: Float32Array.from(t.logSize),
    offset: Float32Array.from(t.offset),
  };
}

function headTensor(heads: HeadValues[]): tf.Tensor4D {
  const n = heads.length;
  const data = new Float32Array(n * G * G * 4);
  heads.forEach((h, i) => {
    for (let k = 0; k < G * G; k++) {
      const o = (i * G * G + k) * 4;
      data[o] = h.logit[k]!;
      data[o + 1] = h.size[k]!;
      data[o + 2] = h.offset[2 * k]!;
      data[o + 3] = h.offset[2 * k + 1]!;
    }
  });
  return tf.tensor4d(data, [n, G, G, 4]);
}

/** [total, heat, size, offset] as numbers. */
function loss(heads: HeadValues[], samples: DetectorSample[]): number[] {
  const { x, targets } = batchTensors(samples);
  const head = headTensor(heads);
  const parts = smallFaceLoss(head, targets);
  const values = parts.map((p) => p.dataSync()[0]!);
  tf.dispose([x, head, ...parts, ...Object.values(targets)]);
  return values;
}

const close = (a: number, b: number, eps = 1e-4): boolean => Math.abs(a - b) <= eps;

describe('smallFaceLoss', () => {
  before(async () => {
    await initBackend();
  });

  it('returns 4 finite scalars, total = heat + size + offset, and frees its intermediates', () => {
    const s = sample([FACE]);
    const { x, targets } = batchTensors([s]);
    const head = tf.randomNormal([1, G, G, 4], 0, 3, 'float32', 1) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const parts = smallFaceLoss(head, targets);
    assert.equal(tf.memory().numTensors, before + 4, 'only the 4 results survive');
    assert.equal(parts.length, 4);
    for (const p of parts) assert.equal(p.rank, 0);
    const [total, heat, size, offset] = parts.map((p) => p.dataSync()[0]!);
    for (const v of [total!, heat!, size!, offset!]) assert.ok(Number.isFinite(v), `${v}`);
    assert.ok(heat! > 0 && size! > 0 && offset! > 0);
    assert.ok(close(total!, heat! + size! + offset!), `${total} vs ${heat} + ${size} + ${offset}`);
    tf.dispose([x, head, ...parts, ...Object.values(targets)]);
  });

  it('stays finite for saturated logits (±60) and with no face in the batch', () => {
    const s = sample([FACE]);
    const h = headFrom(s, 60, -60); // confidently wrong everywhere
    const [total, heat] = loss([h], [s]);
    assert.ok(Number.isFinite(total!) && heat! > 10, `heat ${heat}`);
    const empty = sample([]);
    const e = loss([headFrom(empty, 60)], [empty]);
    assert.ok(e.every(Number.isFinite), `${e}`);
    assert.ok(e[1]! > 10, 'false positives everywhere are penalised without any face');
    assert.equal(e[2], 0);
    assert.equal(e[3], 0);
  });

  it('heat term: high at the centre and low elsewhere beats the reverse, and near-perfect is ≈ 0', () => {
    const s = sample([FACE]);
    const right = loss([headFrom(s, -6, 6)], [s])[1]!;
    const reverse = loss([headFrom(s, 6, -6)], [s])[1]!;
    const unsure = loss([headFrom(s, 0, 0)], [s])[1]!;
    assert.ok(right < unsure && unsure < reverse, `right ${right}, unsure ${unsure}, reverse ${reverse}`);
    assert.ok(right < 0.01, `right ${right}`);
    // Raising only the centre's logit lowers the loss; raising a far background cell raises it.
    const h = headFrom(s, -3, -3);
    const base = loss([h], [s])[1]!;
    const centreUp = { ...h, logit: Float32Array.from(h.logit) };
    centreUp.logit[FACE_CELL] = 2;
    const farUp = { ...h, logit: Float32Array.from(h.logit) };
    farUp.logit[7 * G + 0] = 2;
    assert.ok(loss([centreUp], [s])[1]! < base);
    assert.ok(loss([farUp], [s])[1]! > base);
  });

  it('penalises a positive logit next to the face centre less than the same logit far away (penalty reduction)', () => {
    const s = sample([FACE]);
    const h = headFrom(s, -6, 6);
    const near = { ...h, logit: Float32Array.from(h.logit) };
    near.logit[FACE_CELL + 1] = 2; // heat exp(−1/2) ≈ 0.61 there: weight (1 − 0.61)^4 ≈ 0.024
    const far = { ...h, logit: Float32Array.from(h.logit) };
    far.logit[7 * G + 0] = 2; // heat 0
    const nearLoss = loss([near], [s])[1]!;
    const farLoss = loss([far], [s])[1]!;
    assert.ok(nearLoss < farLoss / 20, `near ${nearLoss} vs far ${farLoss}`);
  });

  it('size and offset terms are 0 at the targets and grow with the error (L1 per face)', () => {
    const s = sample([FACE]);
    const h = headFrom(s);
    const [, , size0, offset0] = loss([h], [s]);
    assert.equal(size0, 0);
    assert.equal(offset0, 0);
    const withError = (ds: number, dox: number, doy: number): number[] => {
      const e = { logit: h.logit, size: Float32Array.from(h.size), offset: Float32Array.from(h.offset) };
      e.size[FACE_CELL] = h.size[FACE_CELL]! + ds;
      e.offset[2 * FACE_CELL] = h.offset[2 * FACE_CELL]! + dox;
      e.offset[2 * FACE_CELL + 1] = h.offset[2 * FACE_CELL + 1]! + doy;
      return loss([e], [s]);
    };
    const small = withError(0.1, 0.05, -0.05);
    const large = withError(-0.5, 0.3, 0.2);
    assert.ok(close(small[2]!, 0.1) && close(large[2]!, 0.5), `size ${small[2]}, ${large[2]}`);
    assert.ok(close(small[3]!, 0.1) && close(large[3]!, 0.5), `offset ${small[3]}, ${large[3]}`);
    // Regression errors away from face centres do not count.
    const off = {
      logit: h.logit,
      size: Float32Array.from(h.size).fill(3),
      offset: Float32Array.from(h.offset).fill(-2),
    };
    off.size[FACE_CELL] = h.size[FACE_CELL]!;
    off.offset[2 * FACE_CELL] = h.offset[2 * FACE_CELL]!;
    off.offset[2 * FACE_CELL + 1] = h.offset[2 * FACE_CELL + 1]!;
    const [, , sizeOff, offsetOff] = loss([off], [s]);
    assert.equal(sizeOff, 0);
    assert.equal(offsetOff, 0);
  });

  it('normalises by the number of faces in the batch', () => {
    const a = sample([FACE]);
    const b = sample([{ x: 2, y: 18, width: 12, height: 12 }]);
    const err = (s: DetectorSample): HeadValues => {
      const h = headFrom(s);
      return { ...h, size: Float32Array.from(h.size, (v) => v + 0.4) };
    };
    const one = loss([err(a)], [a]);
    const two = loss([err(a), err(b)], [a, b]);
    assert.ok(close(one[2]!, 0.4) && close(two[2]!, 0.4), `size per face ${one[2]}, ${two[2]}`);
    // A faceless tile added to the batch keeps the per-face size loss.
    const empty = sample([]);
    const three = loss([err(a), err(b), err(empty)], [a, b, empty]);
    assert.ok(close(three[2]!, 0.4), `${three[2]}`);
  });

  it('cells of weight 0 do not contribute: changing their logits leaves the loss unchanged', () => {
    const ignore = [{ x: 0, y: 0, width: 16, height: 8 }]; // cells (0..3, 0..1), far from the face
    const s = sample([{ x: 14, y: 18, width: 12, height: 12 }], ignore); // centre (20, 24) → (5, 6)
    const t = detectorTargets(s, 4, 16);
    const ignored = [0, 1, 2, 3, G, G + 1, G + 2, G + 3];
    for (const k of ignored) assert.equal(t.weight[k], 0, `cell ${k}`);
    const h = headFrom(s, -2, 1);
    const base = loss([h], [s]);
    const changed = { ...h, logit: Float32Array.from(h.logit) };
    for (const k of ignored) changed.logit[k] = 8;
    assert.deepEqual(loss([changed], [s]), base);
    // Control: the same change on weighted background cells does raise the loss.
    const control = { ...h, logit: Float32Array.from(h.logit) };
    for (const k of ignored) control.logit[k + 4] = 8;
    assert.ok(loss([control], [s])[1]! > base[1]! + 1);
  });
});

describe('batchTensors', () => {
  before(async () => {
    await initBackend();
  });

  it('stacks pixels [N, T, T, 3] and targets [N, T/4, T/4, 1|2] in sample order', async () => {
    const samples = [
      sample([FACE], [], 48),
      sample([], [{ x: 0, y: 0, width: 8, height: 8 }], 48),
      sample([], [], 48),
    ];
    samples[1]!.pixels.fill(7);
    samples[2]!.pixels[5] = 200;
    const { x, targets } = batchTensors(samples);
    assert.deepEqual(x.shape, [3, 48, 48, 3]);
    for (const key of ['heat', 'centre', 'weight', 'logSize'] as const) {
      assert.deepEqual(targets[key].shape, [3, 12, 12, 1], key);
    }
    assert.deepEqual(targets.offset.shape, [3, 12, 12, 2]);
    const xv = await x.data();
    assert.equal(xv[48 * 48 * 3], 7, 'second sample pixels');
    assert.equal(xv[2 * 48 * 48 * 3 + 5], 200, 'third sample pixels');
    for (const [i, s] of samples.entries()) {
      const t = detectorTargets(s, 4, 16);
      const slice = (tt: tf.Tensor4D): number[] =>
        Array.from(tf.tidy(() => tt.slice([i, 0, 0, 0], [1, -1, -1, -1]).dataSync()));
      assert.deepEqual(slice(targets.heat), Array.from(t.heat), `heat ${i}`);
      assert.deepEqual(slice(targets.weight), Array.from(t.weight), `weight ${i}`);
      assert.deepEqual(slice(targets.offset), Array.from(t.offset), `offset ${i}`);
      assert.deepEqual(slice(targets.logSize), Array.from(t.logSize), `logSize ${i}`);
    }
    assert.equal(
      tf.tidy(() => targets.centre.sum().dataSync()[0]),
      1,
    );
    tf.dispose([x, ...Object.values(targets)]);
  });
});

function image(width: number, height: number, colour: (x: number, y: number) => readonly number[]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 3);
  return { width, height, data };
}

describe('small-face net training', () => {
  before(async () => {
    await initBackend();
    registerWasmTrainingKernels();
  });

  it('overfits a fixed batch of 4 rendered tiles: the loss drops below 60% of its start in 30 Adam steps', async () => {
    const face = { x: 70, y: 70, width: 110, height: 110 };
    const photo = image(250, 250, (x, y) => {
      const dx = (x - 125) / 55;
      const dy = (y - 125) / 55;
      if (dx * dx + dy * dy > 1) return [40, 60, 40];
      const eye = (Math.abs(x - 105) < 8 || Math.abs(x - 145) < 8) && Math.abs(y - 110) < 6;
      return eye ? [20, 20, 20] : [220, 180, 150];
    });
    const background = image(320, 240, (x, y) => [(x * 3) % 200, (y * 2) % 200, 90]);
    const sources: DetectorSampleSources = {
      backgrounds: [{ image: background, ignore: [{ x: 10, y: 10, width: 40, height: 40 }] }],
      faces: [{ image: photo, face }],
    };
    // The first 4 seeded tiles that hold a labelled face (deterministic).
    const samples: DetectorSample[] = [];
    for (let i = 0; samples.length < 4 && i < 100; i++) {
      const s = await renderDetectorSample(sources, createRng(`overfit:${i}`), { tile: 48 });
      if (s.faces.length > 0) samples.push(s);
    }
    assert.equal(samples.length, 4, 'four tiles with labelled faces');
    const { x, targets } = batchTensors(samples);
    const net = createSmallFaceNet({ width: 8 });
    const optimizer = tf.train.adam(1e-2);
    const losses: number[] = [];
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    try {
      for (let step = 0; step < 30; step++) {
        const total = optimizer.minimize(
          () => smallFaceLoss(net.apply(x, { training: true }) as tf.Tensor4D, targets as TargetTensors)[0]!,
          true,
        ) as tf.Scalar;
        losses.push((await total.data())[0]!);
        total.dispose();
        counts.push(tf.memory().numTensors);
      }
    } finally {
      optimizer.dispose();
      net.dispose();
      tf.dispose([x, ...Object.values(targets)]);
    }
    assert.ok(losses.every(Number.isFinite), `${losses}`);
    const first = losses[0]!;
    const last = losses[losses.length - 1]!;
    assert.ok(last < 0.6 * first, `loss ${first} → ${last}`);
    assert.equal(new Set(counts.slice(2)).size, 1, `numTensors per step: ${counts.join(',')}`);
    assert.ok(counts[0]! >= before);
  });
});
