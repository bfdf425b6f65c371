import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../src/runtime/backend.ts';
import { splitByIdentity, trainBridge } from '../../src/distill/train-bridge.ts';
import type { TrainingHistory } from '../../src/distill/history.ts';
import { syntheticFaces } from './synthetic-faces.ts';

process.env.BRIDGEFACE_LOG_LEVEL ??= 'warn';

describe('trainBridge (both steps end to end)', () => {
  let dir: string;
  before(async () => {
    await initBackend();
    dir = await mkdtemp(join(tmpdir(), 'bf-bridge-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('splits validation by identity, among identities with 2+ faces', () => {
    const faces = syntheticFaces(10, 2, 1, 24, 8);
    const single = { ...faces[0], identity: 99 };
    const { train, validation } = splitByIdentity([...faces, single], 0.2, 3);
    const v = new Set(validation.map((s) => s.identity));
    assert.equal(v.size, 2);
    assert.ok(!v.has(99));
    assert.ok(train.every((s) => !v.has(s.identity)));
    assert.equal(train.length + validation.length, faces.length + 1);
  });

  it('writes adapter, student, float16 student, history, plot and model card', async () => {
    const samples = syntheticFaces(8, 6, 11);
    const outDir = join(dir, 'run');
    const r = await trainBridge({
      samples,
      validationFraction: 0.25,
      outDir,
      adapter: { epochs: 2, batchSize: 16 },
      student: {
        epochs: 2,
        batchSize: 12,
        network: { width: 8, inputSize: 16 },
        lowRes: { minSize: 8, maxSize: 16 },
      },
      progress: false,
    });
    for (const path of [
      r.historyJson,
      r.historySvg,
      r.modelCard,
      join(r.studentDir, 'model.json'),
      join(r.studentFp16Dir, 'weights.bin'),
    ]) {
      assert.ok(await stat(path), path);
    }
    assert.ok(r.adapterDir && (await stat(join(r.adapterDir, 'model.json'))));
    const history = JSON.parse(await readFile(r.historyJson, 'utf8')) as TrainingHistory;
    assert.deepEqual(
      history.epochs.map((e) => `${e.stage}:${e.epoch}`),
      ['adapter:1', 'adapter:2', 'student:1', 'student:2'],
    );
    assert.match(await readFile(r.historySvg, 'utf8'), /^<svg/);
    const card = await readFile(r.modelCard, 'utf8');
    assert.match(card, /parameters: [\d,]+/);
    assert.match(card, /\| float16 \| [\d.]+% \| [\d.]+% \|/);
    // Two tiny epochs are not meant to be accurate (float16 closeness is tested on the embeddings in
    // test/models/student); here only that both stored variants were re-loaded and measured.
    assert.deepEqual(Object.keys(r.accuracy).sort(), ['float16', 'float32']);
    assert.deepEqual(Object.keys(r.accuracy.float16).sort(), ['lr12', 'lr16']);
  });

  it('the raw-teacher ablation skips step 1', async () => {
    const r = await trainBridge({
      samples: syntheticFaces(6, 4, 12),
      validationFraction: 0.34,
      outDir: join(dir, 'raw'),
      ablation: 'raw-teacher-targets',
      student: {
        epochs: 1,
        batchSize: 8,
        network: { width: 8, inputSize: 16 },
        lowRes: { minSize: 8, maxSize: 16 },
      },
      progress: false,
    });
    assert.equal(r.adapterDir, null);
    assert.match(await readFile(r.modelCard, 'utf8'), /raw-teacher-targets/);
  });

  it('fine-tunes a trained student with its own adapter, skipping step 1', async () => {
    const samples = syntheticFaces(6, 4, 13);
    const tiny = {
      batchSize: 8,
      network: { width: 8, inputSize: 16 },
      lowRes: { minSize: 8, maxSize: 16 },
    };
    const base = await trainBridge({
      samples,
      validationFraction: 0.34,
      outDir: join(dir, 'base'),
      adapter: { epochs: 1, batchSize: 16 },
      student: { ...tiny, epochs: 1 },
      progress: false,
    });
    const tuned = await trainBridge({
      samples,
      validationFraction: 0.34,
      outDir: join(dir, 'tuned'),
      fineTuneFrom: base.studentDir,
      // No network options, as `train --fine-tune` passes none: the width comes from the loaded student.
      student: {
        batchSize: 8,
        lowRes: tiny.lowRes,
        epochs: 1,
        learningRate: 1e-4,
        prototypes: 'frozen-targets',
      },
      progress: false,
    });
    const history = JSON.parse(await readFile(tuned.historyJson, 'utf8')) as TrainingHistory;
    assert.deepEqual(
      history.epochs.map((e) => `${e.stage}:${e.epoch}`),
      ['student:1'],
    );
    // The adapter travels with the fine-tuned student, byte for byte: its gallery vectors are unchanged.
    assert.deepEqual(
      await readFile(join(tuned.adapterDir!, 'weights.bin')),
      await readFile(join(base.adapterDir!, 'weights.bin')),
    );
    const card = await readFile(tuned.modelCard, 'utf8');
    assert.match(card, /fine-tuned from \| .*base[\\/]student/);
    assert.match(card, /identity prototypes \| frozen-targets/);
    assert.match(card, /student width \/ input \| 8 \/ 16/);
    await assert.rejects(
      trainBridge({
        samples,
        validationFraction: 0.34,
        outDir: join(dir, 'orphan'),
        fineTuneFrom: join(dir, 'nowhere', 'student'),
        student: { ...tiny, epochs: 1 },
        progress: false,
      }),
      /needs its step-1 adapter/,
    );
  });
});
