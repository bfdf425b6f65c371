import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/runtime/backend.ts';
import { identificationByMargin, splitWatchlist } from '../../src/eval/identification.ts';
import { CohortNormaliser } from '../../src/match/cohort-norm.ts';

const unit = (...v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

/**
 * Four identities: a (2 faces), b (1), c (3), d (3). Multi-photo identities in order are a, c, d, so a
 * and d are enrolled (their first faces) and c and b are strangers. In 3-d:
 *  - a1 sits on a's axis: named as a at any margin (margin ≈ 0.85);
 *  - d1 sits between a and d, slightly nearer d: named as d only while the margin asked is under ~0.01;
 *  - d2 looks like a: named wrongly as a up to a margin of ~0.6;
 *  - c0 is 0.66 from a: a false alarm at a threshold of 0.65 up to a margin of ~0.66;
 *  - the other strangers are orthogonal to both: never named.
 */
const faces = ['a', 'a', 'b', 'c', 'c', 'c', 'd', 'd', 'd'].map((identity) => ({ identity }));
const A = unit(1, 0, 0);
const D = unit(0, 1, 0);
const Z = unit(0, 0, 1);
const probes = [
  A,
  unit(0.95, 0.1, 0.3), // a1
  Z, // b0
  unit(0.66, 0, 0.75), // c0
  Z,
  Z,
  D,
  unit(0.7, 0.71, 0), // d1
  unit(0.9, 0.3, 0.3), // d2
];
const policy = { minFacePx: 0, minQuality: 0, thresholds: [{ minFacePx: 0, threshold: 0.65 }] };

describe('open-set identification by margin', () => {
  before(async () => {
    await initBackend();
  });

  it('splits every other multi-photo identity onto the watchlist, the rest are strangers', () => {
    assert.deepEqual(splitWatchlist(faces), { enrol: [0, 6], mated: [1, 7, 8], strangers: [2, 3, 4, 5] });
  });

  it('counts names, wrong names and false alarms as decide() makes them, at each margin', async () => {
    const rows = await identificationByMargin({
      faces,
      gallery: probes,
      probes,
      facePx: 16,
      policy,
      margins: [0, 0.02, 0.7],
    });
    assert.deepEqual(
      rows.map((r) => [r.minMargin, r.named, r.wrong, r.falseAlarms, r.mated, r.strangers]),
      [
        [0, 2, 1, 1, 3, 4],
        [0.02, 1, 1, 1, 3, 4],
        [0.7, 1, 0, 0, 3, 4],
      ],
    );
  });

  it('applies the cohort normaliser before the threshold, as the matcher does', async () => {
    // A two-person cohort at ±z: a probe's cohort mean is 0 and its deviation its |z| component, so
    // the normalised score is cosine / |z| (floored at 1e-3). At a threshold of 3.1: a1 scores
    // 0.949 / 0.300 = 3.17 (named), d1 has no z (named), d2 0.905 / 0.302 = 3.0 and c0 0.66 / 0.75
    // (neither named); no raw cosine reaches 3.1.
    const normaliser = new CohortNormaliser([unit(0, 0, 1), unit(0, 0, -1)], 2);
    const input = {
      faces,
      gallery: probes,
      probes,
      facePx: 16,
      policy: { ...policy, thresholds: [{ minFacePx: 0, threshold: 3.1 }] },
      margins: [0],
    };
    const [norm] = await identificationByMargin({
      ...input,
      probeStats: probes.map((p) => normaliser.stats(p)),
    });
    const [raw] = await identificationByMargin(input);
    assert.deepEqual([norm!.named, norm!.wrong, norm!.falseAlarms], [2, 0, 0]);
    assert.deepEqual([raw!.named, raw!.wrong, raw!.falseAlarms], [0, 0, 0]);
  });

  it('refuses a split with fewer than two enrolled identities', async () => {
    await assert.rejects(
      identificationByMargin({
        faces: faces.slice(0, 3),
        gallery: probes.slice(0, 3),
        probes: probes.slice(0, 3),
        facePx: 16,
        policy,
        margins: [0],
      }),
      /two identities/,
    );
  });
});
