import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadLfwPeople } from '../../datasets/lfw.ts';
import { prepareBridgeSamples } from '../../distill/prepare-samples.ts';
import { splitByIdentity } from '../../distill/train-bridge.ts';
import { ResolutionMatchedEmbedder, templateEmbedder } from '../../embed/resolution-matched.ts';
import {
  calibrate,
  pickCohort,
  thresholdsAt,
  type CalibrationFace,
  type CalibrationRow,
} from '../../eval/calibrate.ts';
import { createEmbedder, createGalleryEmbedder, routeBySize } from '../../models/registry.ts';
import { blendWeightsInUse, describeRouting } from '../../models/size-routed.ts';
import { configOrDefaults, numberIn, positiveInt } from '../options.ts';
import { stageProgress } from '../progress.ts';
import { CohortNormaliser } from '../../match/cohort-norm.ts';
import {
  CohortError,
  cohortEnrolOf,
  cohortTargetFor,
  saveCohort,
  weightsFingerprint,
} from '../../models/cohort.ts';

interface CalibrateOptions {
  readonly data: string;
  readonly model: string;
  readonly config?: string;
  readonly sizes: number[];
  readonly far: number;
  readonly validationFraction: number;
  readonly seed: number;
  readonly maxPerIdentity: number;
  readonly json?: string;
  /** Undefined: every training identity. */
  readonly cohortSize?: number;
  readonly cohortOut?: string;
  readonly margins: number[];
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

async function calibrateAction(o: CalibrateOptions): Promise<void> {
  const config = await configOrDefaults(o.config);
  // Fail before the long preparation: cohort units need a probe model with weights to tie the cohort to.
  const cohortTarget =
    config.match.scoreNorm === 'cohort' ? cohortTargetFor(o.model, o.cohortOut) : undefined;
  if (config.match.scoreNorm === 'cohort' && !cohortTarget) {
    throw new CohortError(
      `${o.model} has no model directory to tie a score-normalisation cohort to: calibrate it in raw cosines ` +
        '(--config with match.scoreNorm: none and cosine thresholds)',
    );
  }
  const teacher = await createEmbedder('teacher');
  // The student as enrolment uses it (LR templates), and the probe side as the pipeline routes it
  // (embed.blendFromPx / teacherFromPx): each threshold row is calibrated on the path its sizes take.
  // Probe chips are at their own size here, so a chip's width is its face size.
  const student = await createEmbedder(o.model).catch((err: unknown) => {
    teacher.dispose();
    throw err;
  });
  const adapted = await createGalleryEmbedder(teacher, o.model);
  const probe = routeBySize(o.model, student, adapted, config.embed);
  const bar = stageProgress();
  try {
    // The same held-out identities as `train` (same fraction and seed): never trained on, never DevTest.
    const people = await loadLfwPeople(o.data, 'devtrain');
    const prepared = await prepareBridgeSamples(teacher, people, {
      assumeCentred: true,
      onProgress: (stage, done, total) => bar.update(stage, done, total),
    });
    const { train, validation } = splitByIdentity(prepared.samples, o.validationFraction, o.seed);
    const galleryEmbedder = new ResolutionMatchedEmbedder(
      adapted,
      templateEmbedder(config.enrol.templatePath, student, probe),
      config.enrol,
    );
    let normaliser: CohortNormaliser | undefined;
    if (cohortTarget) {
      // The cohort: unrelated people from the *training* identities (never the held-out ones scored below).
      const picked = pickCohort(train, o.cohortSize ?? Number.POSITIVE_INFINITY, o.seed);
      const vectors: Float32Array[] = [];
      for (let i = 0; i < picked.length; i += 64) {
        vectors.push(...(await galleryEmbedder.embed(picked.slice(i, i + 64).map((s) => s.chip))));
        bar.update('cohort', vectors.length, picked.length);
      }
      await saveCohort(cohortTarget.path, {
        // Tied to the probe model's weights, wherever --cohort-out puts the file.
        weightsSha256: await weightsFingerprint(cohortTarget.modelDir),
        enrol: cohortEnrolOf(config.enrol, config.embed),
        source: `LFW peopleDevTrain training identities (validation fraction ${o.validationFraction}, seed ${o.seed} held out): one aligned photo each of ${picked.length} identities, enrolled like the watchlist`,
        vectors,
      });
      normaliser = new CohortNormaliser(vectors, config.match.cohortTopK);
    }
    const perIdentity = new Map<number, number>();
    const faces: CalibrationFace[] = [];
    for (const s of validation) {
      const n = perIdentity.get(s.identity) ?? 0;
      if (n >= o.maxPerIdentity) continue; // one prolific identity must not dominate the genuine pairs
      perIdentity.set(s.identity, n + 1);
      faces.push({ identity: String(s.identity), chip: s.chip });
    }
    const rows = await calibrate({
      faces,
      gallery: galleryEmbedder,
      probe,
      normaliser,
      sizes: o.sizes,
      fars: [1e-2, 1e-3, 1e-4],
      // The config's margin always among those reported: it is the one the matcher will apply.
      identification: {
        far: o.far,
        margins: [...new Set([...o.margins, config.match.minMargin])].sort((a, b) => a - b),
      },
      onProgress: (done, total) => bar.update('embed', done, total),
    });
    bar.stop();
    const thresholds = thresholdsAt(rows, o.far);
    console.log(
      `calibration: ${faces.length} held-out DevTrain faces of ${perIdentity.size} identities · ` +
        `gallery ${config.enrol.gallery} · probe ${probe.name}` +
        (probe === student ? '' : ` (${describeRouting(config.embed)})`),
    );
    console.log(
      'size  genuine  impostors   thr@1e-2  TAR      thr@1e-3  TAR      thr@1e-4  TAR      grey TAR@1e-3 (FAR)',
    );
    for (const r of rows) {
      const cells = r.points.map((p) => `${p.threshold.toFixed(3).padStart(8)}  ${pct(p.tar).padEnd(7)}`);
      const g = r.grey?.find((x) => x.far === 1e-3);
      console.log(
        `${String(r.size).padStart(4)}  ${String(r.genuinePairs).padStart(7)}  ${String(r.impostorPairs).padStart(9)}  ${cells.join('  ')}  ` +
          (g ? `${pct(g.tar)} (${g.measuredFar.toExponential(1)})` : ''),
      );
    }
    console.log(
      `match.thresholds at FAR ${o.far} (${normaliser ? `cohort-normalised, top ${normaliser.topK} of ${normaliser.size}` : 'raw cosines'}): ${JSON.stringify(thresholds)}`,
    );
    printIdentification(rows, o.far, config.match.minMargin);
    if (cohortTarget) console.log(`score-normalisation cohort written to ${cohortTarget.path}`);
    if (o.json) {
      const path = resolve(o.json);
      await mkdir(dirname(path), { recursive: true });
      const report = {
        model: o.model,
        gallery: config.enrol,
        faces: faces.length,
        identities: perIdentity.size,
        validation_fraction: o.validationFraction,
        seed: o.seed,
        far: o.far,
        score_norm: config.match.scoreNorm,
        teacher_from_px: probe === student ? null : config.embed.teacherFromPx,
        blend_from_px: probe === student ? null : config.embed.blendFromPx,
        blend_weights: probe === student ? null : blendWeightsInUse(config.embed),
        cohort: normaliser
          ? { path: cohortTarget?.path, size: normaliser.size, top_k: normaliser.topK }
          : null,
        thresholds,
        rows,
      };
      await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
    }
  } finally {
    bar.stop();
    adapted.dispose();
    student.dispose();
    teacher.dispose();
  }
}

/** What an operator would see with a watchlist of half the held-out identities, by minimum margin. */
function printIdentification(rows: readonly CalibrationRow[], far: number, configMargin: number): void {
  const first = rows.find((r) => r.identification)?.identification?.[0];
  if (!first) return;
  console.log(
    `identification at the FAR ${far} thresholds: ${first.mated} probes of enrolled people, ` +
      `${first.strangers} of strangers (per size); * = the config's match.minMargin`,
  );
  console.log('size  minMargin  named           wrong  false alarms');
  for (const r of rows) {
    for (const m of r.identification ?? []) {
      console.log(
        `${String(r.size).padStart(4)}  ${`${m.minMargin}${m.minMargin === configMargin ? '*' : ''}`.padEnd(9)}  ` +
          `${`${m.named} (${pct(m.named / m.mated)})`.padEnd(14)}  ${String(m.wrong).padStart(5)}  ${String(m.falseAlarms).padStart(12)}`,
      );
    }
  }
}

export function register(program: Command): void {
  program
    .command('calibrate')
    .description(
      'match thresholds per face size at a target FAR, from held-out LFW DevTrain identities (never DevTest)',
    )
    .requiredOption('--data <dir>', 'LFW root (peopleDevTrain.txt and the images)')
    .option('--model <spec>', 'probe model: student, teacher or a model directory', 'student')
    .option('--config <file>', 'site config (its enrol section builds the gallery as enrolment does)')
    .option(
      '--sizes <list>',
      'probe sizes in pixels',
      (v) => v.split(',').map((x) => positiveInt('--sizes')(x.trim())),
      [12, 16, 24, 32],
    )
    .option(
      '--far <f>',
      'false accept rate per comparison the thresholds are set for',
      numberIn('--far', 1e-6, 0.1),
      1e-4,
    )
    .option(
      '--validation-fraction <f>',
      "held-out identity share: the training run's (train --validation-fraction)",
      numberIn('--validation-fraction', 0.01, 0.5),
      0.05,
    )
    .option('--seed <n>', "the training run's seed", positiveInt('--seed'), 1)
    .option(
      '--max-per-identity <n>',
      'faces used per identity at most',
      positiveInt('--max-per-identity'),
      10,
    )
    // Every training identity by default: held-out TAR at FAR 1e-3/1e-4 rises with the cohort's size
    // (400 → 1,500 → 3,833 people, docs/BENCHMARKS.md "Cohort score normalisation").
    .option(
      '--cohort-size <n>',
      'people in the score-normalisation cohort (match.scoreNorm: cohort) (default: every training identity)',
      positiveInt('--cohort-size'),
    )
    .option('--cohort-out <file>', "where the cohort is written (default: the model's cohort.json)")
    .option(
      '--margins <list>',
      "match.minMargin values to report open-set identification at (the config's is always added)",
      (v) => v.split(',').map((x) => numberIn('--margins', 0, 2)(x.trim())),
      [0, 0.02, 0.05, 0.1],
    )
    .option('--json <file>', 'write the calibration as JSON')
    .action(calibrateAction);
}
