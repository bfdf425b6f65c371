import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { decodeCentreHeatmap } from '../../src/detect/small-face-decode.ts';
import {
  createSmallFaceNet,
  SMALL_FACE_ALIGN,
  SMALL_FACE_REFERENCE_SIDE,
  SMALL_FACE_STRIDE,
} from '../../src/detect/small-face-net.ts';
import { createSmallFaceTileNet, smallFaceBoxToDetector } from '../../src/detect/tile-nets.ts';
import { saveModelToDir } from '../../src/models/student/model-io.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { createRng } from '../../src/util/random.ts';

process.env.BRIDGEFACE_LOG_LEVEL ??= 'warn';

/** A [n, h, w, 3] batch of seeded uniform noise in 0..255. */
function noiseBatch(n: number, h: number, w: number, seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  const data = new Float32Array(n * h * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(0, 255);
  return tf.tensor4d(data, [n, h, w, 3]);
}

describe('createSmallFaceNet', () => {
  before(async () => {
    await initBackend();
  });

  it('is fully convolutional: [N, H/4, W/4, 4] for a non-square input and for another size, same model', () => {
    const net = createSmallFaceNet();
    const before = tf.memory().numTensors;
    for (const [n, h, w] of [
      [1, 64, 96],
      [2, 32, 48],
      [1, 40, 24],
    ] as const) {
      const x = tf.zeros([n, h, w, 3]);
      const y = net.predict(x) as tf.Tensor;
      assert.deepEqual(y.shape, [n, h / SMALL_FACE_STRIDE, w / SMALL_FACE_STRIDE, 4], `${h}x${w}`);
      tf.dispose([x, y]);
    }
    assert.equal(tf.memory().numTensors, before);
    assert.equal(SMALL_FACE_STRIDE, 4);
    assert.equal(SMALL_FACE_ALIGN % SMALL_FACE_STRIDE, 0);
    net.dispose();
  });

  it('is small: under 20,000 parameters at the default width, and width scales it', () => {
    const net = createSmallFaceNet();
    const narrow = createSmallFaceNet({ width: 8 });
    try {
      const params = net.countParams();
      assert.ok(params < 20_000, `default net has ${params} parameters`);
      assert.ok(params > 1_000, `default net has ${params} parameters (not an empty model)`);
      assert.ok(narrow.countParams() < params / 2, `width 8: ${narrow.countParams()} vs ${params}`);
    } finally {
      net.dispose();
      narrow.dispose();
    }
  });

  it('rejects an invalid width with a RangeError', () => {
    for (const width of [0, 2, 3, 5, 7.5, -8, Number.NaN]) {
      assert.throws(() => createSmallFaceNet({ width }), RangeError, `width ${width}`);
    }
    const ok = createSmallFaceNet({ width: 4 });
    ok.dispose();
  });

  it('starts from the centre prior: logit −4.6 (σ ≈ 0.01), size 0 and offset 0.5 on a neutral grey image', async () => {
    const net = createSmallFaceNet();
    try {
      // 127.5 rescales to exactly 0: every bias-free conv gives 0, fresh BatchNorm keeps 0, so the head
      // outputs its bias.
      const grey = tf.fill([1, 32, 32, 3], 127.5);
      const out = net.predict(grey) as tf.Tensor4D;
      const v = await out.data();
      tf.dispose([grey, out]);
      for (let k = 0; k < v.length; k += 4) {
        assert.ok(Math.abs(v[k]! + 4.6) < 1e-4, `logit ${v[k]}`);
        assert.ok(Math.abs(v[k + 1]!) < 1e-4, `size ${v[k + 1]}`);
        assert.ok(Math.abs(v[k + 2]! - 0.5) < 1e-4 && Math.abs(v[k + 3]! - 0.5) < 1e-4, 'offsets');
      }
      // Another flat grey: the mean centre logit stays well below 0 (no face anywhere at start).
      const dark = tf.fill([1, 64, 96, 3], 90);
      const out2 = net.predict(dark) as tf.Tensor4D;
      const logit = tf.slice(out2, [0, 0, 0, 0], [-1, -1, -1, 1]);
      const mean = (await tf.mean(logit).data())[0]!;
      tf.dispose([dark, out2, logit]);
      assert.ok(mean < -2, `mean centre logit ${mean}`);
    } finally {
      net.dispose();
    }
  });

  it('the seed decides the initial weights', async () => {
    const a = createSmallFaceNet({ width: 8, seed: 3 });
    const b = createSmallFaceNet({ width: 8, seed: 3 });
    const c = createSmallFaceNet({ width: 8, seed: 4 });
    const x = noiseBatch(1, 16, 16, 5);
    const [ya, yb, yc] = [a, b, c].map((m) => m.predict(x) as tf.Tensor);
    const [va, vb, vc] = await Promise.all([ya!.data(), yb!.data(), yc!.data()]);
    assert.deepEqual(Array.from(va), Array.from(vb));
    assert.notDeepEqual(Array.from(va), Array.from(vc));
    tf.dispose([x, ya!, yb!, yc!]);
    [a, b, c].forEach((m) => m.dispose());
  });
});

describe('createSmallFaceTileNet', () => {
  let dir: string;
  let source: tf.LayersModel;

  before(async () => {
    await initBackend();
    dir = await mkdtemp(join(tmpdir(), 'bf-small-face-net-'));
    source = createSmallFaceNet({ width: 8, seed: 7 });
    // Non-trivial BatchNorm statistics, so folding them at load has something to get right.
    const rng = createRng('bn');
    for (const layer of source.layers) {
      if (layer.getClassName() !== 'BatchNormalization') continue;
      const weights = layer.getWeights().map((w, i) => {
        const n = w.size;
        // [gamma, beta, movingMean, movingVariance]
        const values = Array.from({ length: n }, () =>
          i === 0 ? rng.uniform(0.5, 1.5) : i === 3 ? rng.uniform(0.5, 2) : rng.uniform(-0.3, 0.3),
        );
        return tf.tensor(values, w.shape);
      });
      layer.setWeights(weights);
      tf.dispose(weights);
    }
    await saveModelToDir(source, dir);
  });

  after(async () => {
    source.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a saved net; runs a [2, 64, 96, 3] batch into 2 lists of plausible detections', async () => {
    const net = await createSmallFaceTileNet(dir);
    assert.equal(net.align, SMALL_FACE_ALIGN);
    assert.equal(net.fixedInput, undefined);
    const batch = noiseBatch(2, 64, 96, 1);
    try {
      const result = await net.run(batch, 0);
      assert.equal(result.length, 2);
      for (const dets of result) {
        assert.ok(dets.length > 0, 'threshold 0 keeps every local maximum');
        // Local maxima of a 3x3 neighbourhood: at most one per 2x2 cells of the 16x24 grid.
        assert.ok(dets.length <= (16 * 24) / 4, `${dets.length} detections`);
        for (const { box, score } of dets) {
          assert.ok(score > 0 && score < 1, `score ${score}`);
          assert.equal(box.width, box.height);
          assert.ok(box.width > 0 && Number.isFinite(box.width));
          const cx = box.x + box.width / 2;
          const cy = box.y + box.height / 2;
          // Centres are (cell + offset)·4; an untrained offset stays near 0.5, so well within a cell or
          // two of the tile.
          assert.ok(cx > -2 * SMALL_FACE_STRIDE && cx < 96 + 2 * SMALL_FACE_STRIDE, `cx ${cx}`);
          assert.ok(cy > -2 * SMALL_FACE_STRIDE && cy < 64 + 2 * SMALL_FACE_STRIDE, `cy ${cy}`);
        }
      }
      assert.deepEqual(
        (await net.run(batch, 0.999)).map((d) => d.length),
        [0, 0],
      );
    } finally {
      batch.dispose();
      net.dispose();
      net.dispose(); // twice is safe
    }
  });

  it('matches the unfolded saved model decoded the same way (BatchNorm folded at load), boxes in the detector convention', async () => {
    const net = await createSmallFaceTileNet(dir);
    const batch = noiseBatch(2, 32, 48, 2);
    try {
      const result = await net.run(batch, 0);
      const out = source.predict(batch) as tf.Tensor;
      const raw = (await out.data()) as Float32Array;
      out.dispose();
      const per = 8 * 12 * 4;
      for (let i = 0; i < 2; i++) {
        const expected = decodeCentreHeatmap(raw.subarray(i * per, (i + 1) * per), {
          gridWidth: 12,
          gridHeight: 8,
          stride: SMALL_FACE_STRIDE,
          referenceSide: SMALL_FACE_REFERENCE_SIDE,
          scoreThreshold: 0,
        });
        assert.equal(result[i]!.length, expected.length, `tile ${i}`);
        result[i]!.forEach((d, k) => {
          const e = { ...expected[k]!, box: smallFaceBoxToDetector(expected[k]!.box) };
          assert.ok(Math.abs(d.score - e.score) < 1e-3, `score ${d.score} vs ${e.score}`);
          for (const key of ['x', 'y', 'width', 'height'] as const) {
            assert.ok(Math.abs(d.box[key] - e.box[key]) < 1e-2, `${key} ${d.box[key]} vs ${e.box[key]}`);
          }
        });
      }
    } finally {
      batch.dispose();
      net.dispose();
    }
  });

  it('runs on the native runtime where built, with the detections tfjs gives (BRIDGEFACE_NATIVE=off)', async () => {
    const native = await createSmallFaceTileNet(dir);
    const saved = process.env.BRIDGEFACE_NATIVE;
    process.env.BRIDGEFACE_NATIVE = 'off';
    let plain;
    try {
      plain = await createSmallFaceTileNet(dir);
    } finally {
      if (saved === undefined) delete process.env.BRIDGEFACE_NATIVE;
      else process.env.BRIDGEFACE_NATIVE = saved;
    }
    assert.equal(native.runtime, 'onednn', 'CI builds the native addon (.ci/run installs libdnnl-dev)');
    assert.equal(plain.runtime, 'tfjs');
    for (const [n, h, w] of [
      [3, 40, 56],
      [1, 64, 64],
    ] as const) {
      const batch = noiseBatch(n, h, w, h + w);
      try {
        const a = await native.run(batch, 0.05);
        const b = await plain.run(batch, 0.05);
        assert.deepEqual(
          a.map((d) => d.length),
          b.map((d) => d.length),
        );
        a.forEach((dets, i) =>
          dets.forEach((d, k) => {
            assert.ok(Math.abs(d.score - b[i]![k]!.score) < 1e-4, `score ${d.score} vs ${b[i]![k]!.score}`);
            assert.ok(Math.abs(d.box.x - b[i]![k]!.box.x) < 1e-3);
          }),
        );
      } finally {
        batch.dispose();
      }
    }
    native.dispose();
    plain.dispose();
  });

  it('keeps numTensors flat across run calls and frees its weights on dispose', async () => {
    const base = tf.memory().numTensors;
    const net = await createSmallFaceTileNet(dir);
    const loaded = tf.memory().numTensors;
    assert.ok(loaded > base, 'the folded net holds weights');
    const batch = noiseBatch(2, 64, 96, 3);
    await net.run(batch, 0.5);
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await net.run(batch, i === 0 ? 0 : 0.5);
    assert.equal(tf.memory().numTensors, afterFirst);
    assert.equal(afterFirst, loaded + 1, 'only the caller-owned batch is added');
    batch.dispose();
    net.dispose();
    assert.equal(tf.memory().numTensors, base, 'dispose frees everything the tile net created');
  });
});

describe('smallFaceBoxToDetector', () => {
  it('maps the LFW face box onto face-api tiny’s median box of the same photos', () => {
    // LFW deep-funnelled: face box [70, 180)²; tiny's median box there: x 64–183, y 83–197.
    const b = smallFaceBoxToDetector({ x: 70, y: 70, width: 110, height: 110 });
    assert.ok(Math.abs(b.width - 119) < 1e-9 && Math.abs(b.height - 119) < 1e-9);
    assert.ok(Math.abs(b.x + b.width / 2 - 125) < 1e-9, 'no horizontal shift');
    assert.ok(Math.abs(b.y + b.height / 2 - 140) < 1e-9, 'centre moves down to tiny’s');
  });

  it('scales with the box: a 16 px face becomes a ~17.3 px detector box 2.2 px lower', () => {
    const b = smallFaceBoxToDetector({ x: 0, y: 0, width: 16, height: 16 });
    assert.ok(Math.abs(b.width - (16 * 119) / 110) < 1e-9);
    assert.ok(Math.abs(b.y + b.height / 2 - (8 + (16 * 15) / 110)) < 1e-9);
  });
});
