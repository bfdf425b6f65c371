import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/runtime/backend.ts';
import { createAdapterNet } from '../../src/distill/adapter.ts';
import { adaptEmbeddings, loadAdapter, saveAdapter } from '../../src/models/adapter.ts';
import { trainAdapter } from '../../src/distill/train-adapter.ts';
import { createRng } from '../../src/util/random.ts';

process.env.BRIDGEFACE_LOG_LEVEL ??= 'warn';

/** Clustered unit vectors: `ids` identities x `per` samples, noise `noise` around each centre. */
function clusters(
  ids: number,
  per: number,
  noise: number,
  seed: number,
): { identity: number; teacher: Float32Array }[] {
  const rng = createRng(seed);
  const out: { identity: number; teacher: Float32Array }[] = [];
  for (let id = 0; id < ids; id++) {
    const c = Array.from({ length: 128 }, () => rng.normal());
    for (let k = 0; k < per; k++) {
      const v = Float32Array.from(c, (x) => x + rng.normal(0, noise));
      const n = Math.hypot(...v);
      out.push({ identity: id, teacher: v.map((x) => x / n) });
    }
  }
  return out;
}

describe('feature adapter (step 1)', () => {
  let dir: string;
  before(async () => {
    await initBackend();
    dir = await mkdtemp(join(tmpdir(), 'bf-adapter-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts as the identity map and round-trips through a directory', async () => {
    const adapter = createAdapterNet();
    const data = clusters(3, 2, 0.1, 1).map((s) => s.teacher);
    const out = await adaptEmbeddings(adapter, data);
    out.forEach((v, i) => v.forEach((x, d) => assert.ok(Math.abs(x - data[i][d]) < 1e-5)));
    await saveAdapter(adapter, join(dir, 'a'));
    const loaded = await loadAdapter(join(dir, 'a'));
    assert.deepEqual(await adaptEmbeddings(loaded, data), out);
    adapter.dispose();
    loaded.dispose();
  });

  it('training lowers the margin loss, keeps the geometry and leaks no tensors per step', async () => {
    const train = clusters(20, 6, 1.5, 2);
    const val = clusters(4, 4, 1.5, 3).map((s) => ({ ...s, identity: s.identity + 100 }));
    const counts: number[] = [];
    const r = await trainAdapter(train, val, {
      epochs: 8,
      batchSize: 40,
      learningRate: 3e-3,
      progress: false,
      onStep: () => counts.push(tf.memory().numTensors),
    });
    const first = r.records[0].loss;
    const last = r.records[r.records.length - 1].loss;
    assert.ok(last.identity < first.identity, `identity ${first.identity} → ${last.identity}`);
    assert.ok(last.preserve < 0.05, `preserve ${last.preserve}`);
    // After the first step has created the Adam slots, the count never moves.
    assert.equal(new Set(counts.slice(1)).size, 1, `numTensors per step: ${counts.join(',')}`);
    assert.ok(r.records.every((x) => x.validation.hr_adapter > 0.5));
    r.adapter.dispose();
  });
});
