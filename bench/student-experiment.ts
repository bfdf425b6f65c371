/**
 * Student-only distillation experiments (issue 3): trains step 2 on LFW peopleDevTrain with the installed
 * step-1 adapter's (models/adapter) targets (so variants differ only in what step 2 does), validates LR-LR and HR-LR on
 * held-out identities every epoch, and ends with a fit diagnostic: the mean cosine between the student's
 * LR embedding and its target at 12/16/24/32 px, on training faces and on held-out faces. Equal values
 * mean the student underfits (capacity/optimisation-bound); a gap means it overfits.
 *
 *   node --import tsx bench/student-experiment.ts --data ../shared/data/lfw --name e1 \
 *     --options '{"epochs":6,"lowRes":{"minSize":8,"maxSize":32,"peakSize":16}}' [--validation-fraction 0.1]
 *
 * `--options` is a JSON StudentTrainOptions (src/distill/train-student.ts). Writes
 * artifacts/experiments/<name>/{result.json,student/}.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { embedPacked, trainStudent, type StudentTrainOptions } from '../src/distill/train-student.ts';
import { lowResValidationChips } from '../src/distill/validation.ts';
import { REPO_ROOT } from '../src/models/model-paths.ts';
import { saveModelToDir } from '../src/models/student/model-io.ts';
import { packImages, toStudentInput } from '../src/models/student/preprocess.ts';
import { initBackend } from '../src/runtime/backend.ts';
import { exitUnlessPresent, studentExperimentData } from './data.ts';

const o = new Command('student-experiment')
  .requiredOption('--data <dir>', 'LFW root (peopleDevTrain.txt, images)')
  .requiredOption('--name <name>', 'experiment name (output folder)')
  .option('--options <json>', 'StudentTrainOptions as JSON', '{}')
  .option('--validation-fraction <f>', 'identities held out', '0.1')
  .parse()
  .opts<{ data: string; name: string; options: string; validationFraction: string }>();

await exitUnlessPresent('bench:student', [join(o.data, 'peopleDevTrain.txt')]);
const options = JSON.parse(o.options) as StudentTrainOptions;
await initBackend();
const {
  train,
  validation,
  targets,
  validationTargets: valTargets,
} = await studentExperimentData(o.data, Number(o.validationFraction));
const outDir = join(REPO_ROOT, 'artifacts', 'experiments', o.name);
const started = Date.now();
const result = await trainStudent(
  train.map((x, i) => ({ identity: x.identity, chip: x.chip, target: targets[i]! })),
  validation.map((x, i) => ({ identity: x.identity, chip: x.chip, target: valTargets[i]! })),
  { seed: 1, validationSizes: [12, 16, 24], checkpointDir: join(outDir, 'checkpoints'), ...options },
);
const size = result.student.inputs[0]!.shape[1] as number;
async function meanCosine(chips: typeof train, tg: Float32Array[], r: number): Promise<number> {
  const pixels = packImages(
    lowResValidationChips(
      chips.map((c) => c.chip),
      r,
    ).map((c) => toStudentInput(c, size)),
    size,
  );
  const e = await embedPacked(result.student, pixels, size);
  return e.reduce((s, v, i) => s + v.reduce((d, x, k) => d + x * tg[i]![k]!, 0), 0) / e.length;
}
const fit: Record<string, number> = {};
for (const r of [12, 16, 24, 32]) {
  fit[`train_cos_${r}`] = await meanCosine(train.slice(0, 2000), targets.slice(0, 2000), r);
  fit[`validation_cos_${r}`] = await meanCosine(validation, valTargets, r);
}
await mkdir(outDir, { recursive: true });
await saveModelToDir(result.student, join(outDir, 'student'));
result.student.dispose();
const report = {
  name: o.name,
  options,
  train_faces: train.length,
  validation_faces: validation.length,
  minutes: (Date.now() - started) / 60_000,
  validation: result.validation,
  fit,
  epochs: result.records,
};
await writeFile(join(outDir, 'result.json'), JSON.stringify(report, null, 1));
console.log(JSON.stringify({ name: o.name, validation: result.validation, fit }));
