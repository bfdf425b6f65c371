import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/runtime/backend.ts';
import {
  trainStudent,
  type StudentSample,
  type StudentTrainOptions,
} from '../../src/distill/train-student.ts';
import { loadNamedTensors } from '../../src/distill/checkpoint.ts';
import { imprintWeights } from '../../src/distill/losses.ts';
import { remapLabels, normalizeRows } from '../../src/distill/batches.ts';
import { saveModelToDir } from '../../src/models/student/model-io.ts';
import { syntheticFaces } from './synthetic-faces.ts';

process.env.BRIDGEFACE_LOG_LEVEL ??= 'warn';

const faces = syntheticFaces(8, 8, 5);
const toStudent = (s: (typeof faces)[number]): StudentSample => ({
  identity: s.identity,
  chip: s.chip,
  target: s.teacher,
});
const train = faces.filter((s) => s.identity < 6).map(toStudent);
const heldOut = faces.filter((s) => s.identity >= 6).map(toStudent);
/** A small, fast configuration: 16x16 input, LR faces 8–16 px. */
const small: StudentTrainOptions = {
  epochs: 5,
  batchSize: 16,
  learningRate: 5e-3,
  network: { width: 8, inputSize: 16 },
  lowRes: { minSize: 8, maxSize: 16 },
  progress: false,
};

describe('student training (step 2)', () => {
  let dir: string;
  before(async () => {
    await initBackend();
    dir = await mkdtemp(join(tmpdir(), 'bf-student-train-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lowers the loss, beats chance on held-out identities and keeps numTensors flat', async () => {
    const counts: number[] = [];
    const baseline = tf.memory().numTensors;
    const r = await trainStudent(train, heldOut, {
      ...small,
      onStep: () => counts.push(tf.memory().numTensors),
    });
    const first = r.records[0].loss;
    const last = r.records[r.records.length - 1].loss;
    assert.ok(last.total < first.total, `total ${first.total} → ${last.total}`);
    assert.ok(last.mimic < first.mimic, `mimic ${first.mimic} → ${last.mimic}`);
    assert.ok(r.validation.lr12 > 0.7, `lr12 ${r.validation.lr12}`);
    assert.ok(r.validation.lr16 > 0.7, `lr16 ${r.validation.lr16}`);
    assert.equal(new Set(counts.slice(1)).size, 1, `numTensors per step: ${counts.join(',')}`);
    r.student.dispose();
    assert.equal(tf.memory().numTensors, baseline, 'everything but the returned model was released');
  });

  it('the ablation weights switch loss terms off', async () => {
    const terms: string[][] = [];
    const r = await trainStudent(train, heldOut, {
      ...small,
      epochs: 1,
      mimicWeight: 0,
      onStep: (_s, t) => terms.push(Object.keys(t)),
    });
    r.student.dispose();
    assert.deepEqual(terms[0], ['total', 'identity']);
    await assert.rejects(
      trainStudent(train, heldOut, { ...small, mimicWeight: 0, identityWeight: 0 }),
      RangeError,
    );
  });

  it('reports the relational term each step when it is weighted, and it falls', async () => {
    const relation: number[] = [];
    const r = await trainStudent(train, heldOut, {
      ...small,
      relationWeight: 10,
      onStep: (_s, t) => {
        assert.deepEqual(Object.keys(t), ['total', 'mimic', 'identity', 'relation']);
        relation.push(t.relation!);
      },
    });
    r.student.dispose();
    const head = relation.slice(0, 3).reduce((a, b) => a + b) / 3;
    const tail = relation.slice(-3).reduce((a, b) => a + b) / 3;
    assert.ok(tail < head, `relation ${head} → ${tail}`);
  });

  it('resumes from a checkpoint to the same result as an uninterrupted run', async () => {
    const opts: StudentTrainOptions = { ...small, epochs: 2, checkpointEveryMinutes: 0 };
    const full = await trainStudent(train, heldOut, { ...opts, checkpointDir: join(dir, 'full') });
    const crashAt = 4;
    await assert.rejects(
      trainStudent(train, heldOut, {
        ...opts,
        checkpointDir: join(dir, 'crash'),
        onStep: (step) => {
          if (step === crashAt) throw new Error('simulated crash');
        },
      }),
      /simulated crash/,
    );
    const resumed = await trainStudent(train, heldOut, {
      ...opts,
      checkpointDir: join(dir, 'crash'),
      resume: true,
    });
    assert.equal(resumed.records.length, full.records.length);
    resumed.records.forEach((rec, i) => {
      const ref = full.records[i];
      assert.ok(
        Math.abs(rec.loss.total - ref.loss.total) < 1e-3,
        `epoch ${i + 1}: ${rec.loss.total} vs ${ref.loss.total}`,
      );
    });
    const probe = tf.randomUniform([3, 16, 16, 3], 0, 255, 'float32', 1);
    const a = tf.tidy(() => full.student.predict(probe) as tf.Tensor);
    const b = tf.tidy(() => resumed.student.predict(probe) as tf.Tensor);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).arraySync() as number);
    const scale = tf.tidy(() => tf.max(tf.abs(a)).arraySync() as number);
    assert.ok(diff <= 1e-3 * scale, `weights diverged: ${diff} (scale ${scale})`);
    tf.dispose([probe, a, b]);
    full.student.dispose();
    resumed.student.dispose();
  });

  it("frozen-targets prototypes stay the targets' class means while the student learns", async () => {
    const opts: StudentTrainOptions = { ...small, epochs: 2, checkpointEveryMinutes: 0 };
    const frozen = await trainStudent(train, heldOut, {
      ...opts,
      prototypes: 'frozen-targets',
      checkpointDir: join(dir, 'frozen'),
    });
    const learned = await trainStudent(train, heldOut, { ...opts, checkpointDir: join(dir, 'learned') });
    const targets = normalizeRows(train.map((s) => s.target));
    const { labels, numClasses } = remapLabels(train.map((s) => s.identity));
    const means = imprintWeights(targets, labels, numClasses);
    const maxDiff = async (run: string): Promise<number> => {
      const { classifier } = await loadNamedTensors(join(dir, run, 'student'), 'classifier');
      const values = (await classifier!.data()) as Float32Array;
      classifier!.dispose();
      return values.reduce((m, v, i) => Math.max(m, Math.abs(v - means[i]!)), 0);
    };
    assert.ok((await maxDiff('frozen')) < 1e-6, 'the frozen prototypes never moved');
    assert.ok((await maxDiff('learned')) > 1e-3, 'trainable prototypes are learned (the control)');
    const first = frozen.records[0]!.loss;
    const last = frozen.records[frozen.records.length - 1]!.loss;
    assert.ok(last.identity! < first.identity!, `identity ${first.identity} → ${last.identity}`);
    frozen.student.dispose();
    learned.student.dispose();
    await assert.rejects(
      trainStudent(train, heldOut, { ...small, prototypes: 'frozen-targets', mimicWeight: 0 }),
      /frozen-targets/,
    );
  });

  it('fine-tunes from a trained student (initFrom) and refuses one of another width', async () => {
    const base = await trainStudent(train, heldOut, { ...small, epochs: 1 });
    const baseDir = join(dir, 'base-model');
    await saveModelToDir(base.student, baseDir);
    // Fine-tuning at a vanishing rate: the learned weights are the loaded ones (the batch-norm moving
    // statistics, which are not trained by the optimizer, still follow the batches).
    const tuned = await trainStudent(train, heldOut, {
      ...small,
      epochs: 1,
      learningRate: 1e-12,
      initFrom: baseDir,
    });
    const weights = (m: tf.LayersModel): Float32Array[] =>
      m.trainableWeights.map((w) => w.read().dataSync() as Float32Array);
    const [a, b] = [weights(base.student), weights(tuned.student)];
    assert.equal(a.length, b.length);
    a.forEach((w, i) => {
      const diff = w.reduce((m, v, k) => Math.max(m, Math.abs(v - b[i]![k]!)), 0);
      assert.ok(diff < 1e-6, `weight ${i} moved by ${diff}`);
    });
    base.student.dispose();
    tuned.student.dispose();
    const narrow = train.map((s) => ({ ...s, target: s.target.slice(0, 16) }));
    await assert.rejects(trainStudent(narrow, [], { ...small, initFrom: baseDir }), /embeds \d+-d vectors/);
  });
});
