import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { cropFace } from '../../src/detect/crop-face.ts';
import { loadRollEstimator, RollCorrector, type RollEstimator } from '../../src/detect/roll-correction.ts';
import { createRollNet, ROLL_INPUT, ROLL_MAX_DEGREES } from '../../src/detect/roll-net.ts';
import { cameraProbe, rolledProbeScene } from '../../src/eval/camera-probes.ts';
import { decodeImageFile } from '../../src/image/decode.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { createEmbedder } from '../../src/models/registry.ts';
import { saveModelToDir } from '../../src/models/student/model-io.ts';
import { initBackend } from '../../src/runtime/backend.ts';

process.env.BRIDGEFACE_LOG_LEVEL ??= 'warn';

const deg = (r: number): number => (r * 180) / Math.PI;

function grey(size: number, value: number): RgbImage {
  return { width: size, height: size, data: new Uint8Array(size * size * 3).fill(value) };
}

describe('roll net', () => {
  before(initBackend);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bf-roll-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is small, seeded, and maps a batch of crops to one angle each', () => {
    const a = createRollNet(3);
    const b = createRollNet(3);
    assert.ok(a.countParams() < 50_000, `${a.countParams()} parameters`);
    const x = tf.randomUniform([5, ROLL_INPUT, ROLL_INPUT, 3], 0, 255, 'float32', 1);
    const ya = a.predict(x) as tf.Tensor;
    const yb = b.predict(x) as tf.Tensor;
    assert.deepEqual(ya.shape, [5, 1]);
    assert.deepEqual(ya.dataSync(), yb.dataSync());
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('loads from disk, resizes any crop to its input, and clamps to the trained range', async () => {
    const net = createRollNet(1);
    const head = net.getLayer('roll');
    const [kernel, bias] = head.getWeights();
    head.setWeights([tf.zerosLike(kernel!), tf.fill(bias!.shape, 10)]); // 10 rad: far out of range
    await saveModelToDir(net, dir);
    net.dispose();
    const estimator = await loadRollEstimator(dir);
    const before = tf.memory().numTensors;
    const out = await estimator.estimate([grey(20, 90), grey(48, 200)]);
    assert.equal(out.length, 2);
    for (const r of out) assert.ok(Math.abs(deg(r) - ROLL_MAX_DEGREES) < 1e-3);
    assert.equal((await estimator.estimate([])).length, 0);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    estimator.dispose();
    estimator.dispose();
  });
});

describe('RollCorrector', () => {
  const fixed = (roll: number): RollEstimator => ({
    estimate: async (crops) => new Float32Array(crops.length).fill(roll),
    dispose() {},
  });
  const frame: RgbImage = (() => {
    const img = grey(64, 0);
    for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 7) % 251;
    return img;
  })();
  const window = { x: 12, y: 10, width: 36, height: 36 };

  it('re-cuts only crops tilted by at least minDegrees, and reports the roll applied', async () => {
    const plain = cropFace(frame, window, 32, 0);
    const small = await new RollCorrector(fixed((9 * Math.PI) / 180), 10).crop(frame, [window], 32);
    assert.deepEqual(small.images[0]!.data, plain.data);
    assert.equal(small.rolls[0], 0);
    const large = await new RollCorrector(fixed((11 * Math.PI) / 180), 10).crop(frame, [window], 32);
    assert.notDeepEqual(large.images[0]!.data, plain.data);
    assert.ok(Math.abs(deg(large.rolls[0]!) - 11) < 1e-4);
  });

  it('rejects a threshold outside the trained range', () => {
    assert.throws(() => new RollCorrector(fixed(0), -1), /minDegrees/);
    assert.throws(() => new RollCorrector(fixed(0), 50), /minDegrees/);
  });
});

describe('the shipped roll net on real faces', () => {
  before(initBackend);

  it('reads the tilt of rolled faces at CCTV sizes, and its correction straightens them', async () => {
    const demo = join(
      dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
      'demo',
    );
    const teacher = await createEmbedder('teacher');
    const estimator = await loadRollEstimator();
    try {
      const errors: number[] = [];
      let signs = 0;
      let cases = 0;
      for (const file of [
        'sample1.jpg',
        'sample2.jpg',
        'sample3.jpg',
        'sample4.jpg',
        'sample5.jpg',
        'sample6.jpg',
      ]) {
        const photo = await decodeImageFile(join(demo, file));
        for (const face of (await teacher.align(photo)).slice(0, 2)) {
          for (const roll of [-30, -15, 0, 15, 30]) {
            const scene = rolledProbeScene(photo, face.landmarks, (roll * Math.PI) / 180);
            const probe = await cameraProbe(scene, 24, ROLL_INPUT);
            const [estimate] = await estimator.estimate([probe]);
            errors.push(Math.abs(deg(estimate!) - roll));
            if (roll !== 0) {
              cases++;
              if (Math.sign(estimate!) === Math.sign(roll)) signs++;
            }
          }
        }
      }
      assert.ok(cases >= 16, `${cases} rolled faces`);
      const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
      assert.ok(mean < 10, `mean absolute error ${mean.toFixed(1)}°`);
      assert.ok(signs >= cases - 1, `${signs} of ${cases} tilted the right way`);
    } finally {
      estimator.dispose();
      teacher.dispose();
    }
  });
});
