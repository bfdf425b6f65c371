import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrate, pickCohort, thresholdsAt } from '../../src/eval/calibrate.ts';
import { CohortNormaliser } from '../../src/match/cohort-norm.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import type { FaceEmbedder } from '../../src/models/embedder.ts';
import { createRng } from '../../src/util/random.ts';

/** A chip whose flat colour encodes its identity, so embeddings can be made separable by hand. */
function chip(level: number): RgbImage {
  return { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(level) };
}

/**
 * Embeds a chip as a unit vector pointing at its identity's axis (from the chip's level) plus noise
 * that grows as the chip shrinks: small probes are noisier, so their thresholds must differ.
 */
function noisyEmbedder(seed: number): FaceEmbedder {
  const rng = createRng(seed);
  return {
    name: 'fake',
    dim: 16,
    inputSize: 32,
    params: 0,
    async embed(chips) {
      return chips.map((c) => {
        const v = new Float32Array(16);
        v[Math.round(c.data[0]! / 16) % 16] = 1;
        const noise = 8 / c.width;
        for (let k = 0; k < 16; k++) v[k]! += rng.normal(0, noise * 0.5);
        const n = Math.hypot(...v);
        return v.map((x) => x / n);
      });
    },
    dispose() {},
  };
}

test('calibrate: thresholds hold their FAR on the calibration faces, stricter FAR → higher threshold', async () => {
  const faces = Array.from({ length: 120 }, (_, i) => ({
    identity: `id${i % 12}`,
    chip: chip((i % 12) * 16),
  }));
  const rows = await calibrate({
    faces,
    gallery: noisyEmbedder(1),
    probe: noisyEmbedder(2),
    sizes: [8, 16],
    fars: [1e-2, 1e-3],
  });
  assert.deepEqual(
    rows.map((r) => r.size),
    [8, 16],
  );
  for (const r of rows) {
    // 12 identities x 10 faces: 120·9 ordered genuine pairs, 120·110 impostor pairs.
    assert.equal(r.genuinePairs, 1080);
    assert.equal(r.impostorPairs, 13_200);
    const [p2, p3] = r.points;
    assert.ok(p3!.threshold >= p2!.threshold);
    assert.ok(p3!.tar <= p2!.tar);
    assert.ok(r.grey && r.grey.length === 2);
  }
  // Noisier 8 px probes need a different operating point than 16 px ones, and separate less.
  assert.ok(rows[0]!.points[1]!.tar < rows[1]!.points[1]!.tar);
  const thresholds = thresholdsAt(rows, 1e-3);
  assert.deepEqual(
    thresholds.map((t) => t.minFacePx),
    [0, 16],
  );
  assert.ok(thresholds[0]!.threshold >= rows[0]!.points[1]!.threshold, 'rounded up, never down');
  assert.throws(() => thresholdsAt(rows, 1e-5), /no operating point/);
  await assert.rejects(
    calibrate({
      faces: faces.slice(0, 1),
      gallery: noisyEmbedder(1),
      probe: noisyEmbedder(2),
      sizes: [8],
      fars: [1e-3],
    }),
    /two identities/,
  );
});

test('calibrate: open-set identification at the calibrated threshold, by margin, when asked', async () => {
  const faces = Array.from({ length: 120 }, (_, i) => ({
    identity: `id${i % 12}`,
    chip: chip((i % 12) * 16),
  }));
  const input = { faces, sizes: [16], fars: [1e-2, 1e-3], grey: false } as const;
  const [row] = await calibrate({
    ...input,
    gallery: noisyEmbedder(1),
    probe: noisyEmbedder(2),
    identification: { far: 1e-3, margins: [0, 0.1, 2] },
  });
  const id = row!.identification!;
  // 12 identities of 10 faces: 6 enrolled (9 mated probes each), 6 strangers (10 each).
  assert.deepEqual(
    id.map((m) => [m.minMargin, m.mated, m.strangers]),
    [
      [0, 54, 60],
      [0.1, 54, 60],
      [2, 54, 60],
    ],
  );
  assert.ok(id[0]!.named > 0, 'separable identities are named');
  assert.ok(id[1]!.named <= id[0]!.named);
  assert.equal(id[2]!.named + id[2]!.wrong + id[2]!.falseAlarms, 0, 'no margin reaches 2');
  await assert.rejects(
    calibrate({
      ...input,
      gallery: noisyEmbedder(1),
      probe: noisyEmbedder(2),
      identification: { far: 1e-4, margins: [0] },
    }),
    /not among the FARs/,
  );
});

test('calibrate with a cohort normaliser: thresholds come out in normalised units and still hold their FAR', async () => {
  const faces = Array.from({ length: 120 }, (_, i) => ({
    identity: `id${i % 12}`,
    chip: chip((i % 12) * 16),
  }));
  // A cohort of 200 unrelated people: random directions.
  const rng = createRng(9);
  const cohort = Array.from({ length: 200 }, () => {
    const v = Float32Array.from({ length: 16 }, () => rng.normal(0, 1));
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  });
  const normaliser = new CohortNormaliser(cohort, 50);
  const input = { faces, sizes: [16], fars: [1e-2], grey: false } as const;
  const [raw] = await calibrate({ ...input, gallery: noisyEmbedder(1), probe: noisyEmbedder(2) });
  const [norm] = await calibrate({
    ...input,
    gallery: noisyEmbedder(1),
    probe: noisyEmbedder(2),
    normaliser,
  });
  // Same embeddings (same seeds): a cosine threshold is below 1, a normalised one is several deviations.
  assert.ok(raw!.points[0]!.threshold < 1);
  assert.ok(norm!.points[0]!.threshold > 1, `normalised threshold ${norm!.points[0]!.threshold}`);
  assert.equal(norm!.impostorPairs, raw!.impostorPairs);
  // A cohort that matches the probes' score distribution keeps the separation (within a few points).
  assert.ok(
    norm!.points[0]!.tar > raw!.points[0]!.tar - 0.1,
    `TAR ${norm!.points[0]!.tar} vs ${raw!.points[0]!.tar}`,
  );
});

test('pickCohort: one photo each of distinct identities, the same for a seed, never more than asked', () => {
  const samples = Array.from({ length: 20 }, (_, i) => ({
    identity: i % 10,
    chip: chip(i),
    teacher: new Float32Array(4),
  }));
  const a = pickCohort(samples, 5, 1);
  assert.equal(a.length, 5);
  assert.equal(new Set(a.map((s) => s.identity)).size, 5);
  for (const s of a) assert.equal(s, samples[s.identity], 'the first photo of each identity');
  assert.deepEqual(pickCohort(samples, 5, 1), a);
  assert.notDeepEqual(
    pickCohort(samples, 10, 2).map((s) => s.identity),
    pickCohort(samples, 10, 1).map((s) => s.identity),
  );
  assert.equal(pickCohort(samples, 50, 1).length, 10);
  // calibrate's default: every training identity, one photo each.
  const all = pickCohort(samples, Number.POSITIVE_INFINITY, 1);
  assert.deepEqual(new Set(all.map((s) => s.identity)), new Set(samples.map((s) => s.identity)));
  assert.throws(() => pickCohort(samples.slice(0, 1), 5, 1), /too few/);
});
