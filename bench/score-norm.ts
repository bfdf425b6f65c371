/**
 * Cohort score normalisation (issue 10): does it raise TAR at low FAR, and does a threshold set on one
 * kind of probe hold its FAR on others? On the held-out DevTrain identities that `calibrate` uses (never
 * DevTest), cohort from the training identities, gallery enrolled as the config's `enrol` section does:
 *   npm run bench:score-norm -- --data ../shared/data/lfw [--model student] [--size 16] [--cohort 400]
 *     [--top-k 100,50]
 * Prints TAR at FAR 1e-2/1e-3/1e-4 for raw cosines, gallery-side Z-norm, probe-side T-norm (what
 * `match.scoreNorm: cohort` does) and both (S-norm), over the whole cohort and at each top-k; then, with thresholds set on
 * colour probes of `--size`, the FAR and TAR they give on 12/24/32 px, greyscale and dark probes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { positiveInt } from '../src/cli/options.ts';
import { configSchema } from '../src/config/schema.ts';
import { loadLfwPeople } from '../src/datasets/lfw.ts';
import { downsample, greyscaleCopy } from '../src/datasets/lr-synthesis.ts';
import { prepareBridgeSamples } from '../src/distill/prepare-samples.ts';
import { splitByIdentity } from '../src/distill/train-bridge.ts';
import { ResolutionMatchedEmbedder } from '../src/embed/resolution-matched.ts';
import { pickCohort } from '../src/eval/calibrate.ts';
import { operatingPoints } from '../src/eval/impostor-set.ts';
import type { RgbImage } from '../src/image/rgb-image.ts';
import { CohortNormaliser, type QueryStats } from '../src/match/cohort-norm.ts';
import type { FaceEmbedder } from '../src/models/embedder.ts';
import { createEmbedder, createGalleryEmbedder } from '../src/models/registry.ts';
import { exitUnlessPresent } from './data.ts';

const o = new Command('bench:score-norm')
  .requiredOption('--data <dir>', 'LFW root')
  .option('--model <spec>', 'probe model', 'student')
  .option('--size <px>', 'probe size the thresholds are set on', positiveInt('--size'), 16)
  .option('--cohort <n>', 'cohort people', positiveInt('--cohort'), 400)
  .option('--top-k <list>', 'cohort scores used per query, comma-separated', '100,50')
  .option('--json <file>', 'write the results as JSON')
  .parse()
  .opts<{ data: string; model: string; size: number; cohort: number; topK: string; json?: string }>();
const topKs = o.topK.split(',').map((k) => positiveInt('--top-k')(k.trim()));

await exitUnlessPresent('bench:score-norm', [join(o.data, 'peopleDevTrain.txt')]);
const FARS = [1e-2, 1e-3, 1e-4];
const teacher = await createEmbedder('teacher');
const probe = await createEmbedder(o.model);
const gallery = new ResolutionMatchedEmbedder(
  await createGalleryEmbedder(teacher, o.model),
  probe,
  configSchema.parse({}).enrol,
);
const prepared = await prepareBridgeSamples(teacher, await loadLfwPeople(o.data, 'devtrain'), {
  assumeCentred: true,
});
// The calibration split (calibrate's defaults: 5% of identities, seed 1, at most 10 faces each).
const { train, validation } = splitByIdentity(prepared.samples, 0.05, 1);
const perIdentity = new Map<number, number>();
const faces = validation.filter((s) => {
  const n = perIdentity.get(s.identity) ?? 0;
  perIdentity.set(s.identity, n + 1);
  return n < 10;
});
const cohort = pickCohort(train, o.cohort, 1);

async function embed(model: FaceEmbedder, chips: readonly RgbImage[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < chips.length; i += 64) out.push(...(await model.embed(chips.slice(i, i + 64))));
  return out;
}
const G = await embed(
  gallery,
  faces.map((f) => f.chip),
);
const cohortGallery = await embed(
  gallery,
  cohort.map((f) => f.chip),
);
const cohortProbes = await embed(
  probe,
  cohort.map((f) => downsample(f.chip, o.size)),
);
const ids = faces.map((f) => f.identity);
const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
};

/** Genuine and impostor gallery → probe scores, each through `score(cosine, galleryIdx, probeIdx)`. */
function split(P: readonly Float32Array[], score: (cos: number, i: number, j: number) => number) {
  const genuine: number[] = [];
  const impostors: number[] = [];
  for (let i = 0; i < G.length; i++) {
    for (let j = 0; j < P.length; j++) {
      if (i === j) continue;
      (ids[i] === ids[j] ? genuine : impostors).push(score(dot(G[i]!, P[j]!), i, j));
    }
  }
  return { genuine: Float64Array.from(genuine), impostors: Float32Array.from(impostors) };
}

const P = await embed(
  probe,
  faces.map((f) => downsample(f.chip, o.size)),
);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const sweep: { variant: string; topK: number; tar: number[] }[] = [];
console.log(
  `${faces.length} held-out DevTrain faces of ${perIdentity.size} identities, cohort ${cohort.length}, ${o.size} px probes, model ${probe.name}`,
);
console.log('variant  top-k  TAR@1e-2  TAR@1e-3  TAR@1e-4');
for (const topK of [o.cohort, ...topKs]) {
  const tNorm = new CohortNormaliser(cohortGallery, topK);
  const zNorm = new CohortNormaliser(cohortProbes, topK);
  const gStats = zNorm.statsMany(G);
  const pStats = tNorm.statsMany(P);
  const variants: [string, (cos: number, i: number, j: number) => number][] = [
    ['raw', (c) => c],
    ['Z-norm', (c, i) => CohortNormaliser.apply(c, gStats[i]!)],
    ['T-norm', (c, _i, j) => CohortNormaliser.apply(c, pStats[j]!)],
    [
      'S-norm',
      (c, i, j) => (CohortNormaliser.apply(c, gStats[i]!) + CohortNormaliser.apply(c, pStats[j]!)) / 2,
    ],
  ];
  for (const [variant, score] of variants) {
    if (variant === 'raw' && topK !== o.cohort) continue;
    const { genuine, impostors } = split(P, score);
    const tar = operatingPoints(genuine, impostors, FARS).map((p) => p.tar);
    sweep.push({ variant, topK, tar });
    console.log(
      `${variant.padEnd(7)}  ${String(topK).padStart(5)}  ${tar.map((t) => pct(t).padStart(8)).join('  ')}`,
    );
  }
}

// Thresholds from colour probes of --size, applied to other probes: does the FAR hold?
const conditions: [string, (chip: RgbImage) => RgbImage][] = [
  ['12 px', (c) => downsample(c, 12)],
  ['24 px', (c) => downsample(c, 24)],
  ['32 px', (c) => downsample(c, 32)],
  [`grey ${o.size} px`, (c) => greyscaleCopy(downsample(c, o.size))],
  [
    `dark ${o.size} px`,
    (c) => {
      const d = downsample(c, o.size);
      return { ...d, data: d.data.map((v) => Math.round(v * 0.45 + 10)) };
    },
  ],
];
const tNorm = new CohortNormaliser(cohortGallery, 100);
const transfer: { scores: string; condition: string; far: number; measuredFar: number; tar: number }[] = [];
for (const scores of ['raw', 'T-norm top 100']) {
  const through = (stats: readonly QueryStats[]) => (c: number, _i: number, j: number) =>
    scores === 'raw' ? c : CohortNormaliser.apply(c, stats[j]!);
  const base = split(P, through(tNorm.statsMany(P)));
  const points = operatingPoints(base.genuine, base.impostors, [1e-3, 1e-4]);
  for (const [condition, render] of conditions) {
    const probes = await embed(
      probe,
      faces.map((f) => render(f.chip)),
    );
    const r = split(probes, through(tNorm.statsMany(probes)));
    const cells = points.map((p) => {
      const measuredFar = r.impostors.filter((x) => x > p.threshold).length / r.impostors.length;
      const tar = r.genuine.filter((x) => x > p.threshold).length / r.genuine.length;
      transfer.push({ scores, condition, far: p.far, measuredFar, tar });
      return `at ${p.far}: FAR ${measuredFar.toExponential(1)}, TAR ${pct(tar)}`;
    });
    console.log(`${scores.padEnd(15)} ${condition.padEnd(12)} ${cells.join('   ')}`);
  }
}
if (o.json) {
  await writeFile(
    o.json,
    `${JSON.stringify({ model: o.model, size: o.size, cohort: cohort.length, faces: faces.length, fars: FARS, sweep, transfer }, null, 2)}\n`,
  );
}
teacher.dispose();
probe.dispose();
