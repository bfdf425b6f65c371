/**
 * The teacher's share in a blended probe (`embed.blendWeights`, issue 10): LR-LR verification on the
 * held-out DevTrain identities `bench:student` validates on (never DevTest), each probe embedded by the
 * model and by the teacher + the model's adapter, the two unit vectors blended with the teacher's share
 * w as the pipeline's size routing blends them (src/models/size-routed.ts):
 *   npm run bench:blend-shares -- --data ../shared/data/lfw [--models student,models/ensemble]
 *     [--sizes 8,10,12,16] [--shares 0,0.15,0.3,0.5,1] [--json out.json]
 * Prints 10-fold accuracy and AUC over the 2,000 validation pairs for every model, size and share
 * (w = 0: the model alone; w = 1: the teacher + adapter alone).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { lowResValidationChips, validationPairs, verificationAccuracy } from '../src/distill/validation.ts';
import { aucFromRoc, cosineSimilarity, rocCurve } from '../src/eval/verification-metrics.ts';
import { fuseEmbeddings } from '../src/match/decision.ts';
import { createEmbedder, createGalleryEmbedder, type EmbedderSpec } from '../src/models/registry.ts';
import { resizeTo } from '../src/datasets/lr-synthesis.ts';
import { initBackend } from '../src/runtime/backend.ts';
import { exitUnlessPresent, studentExperimentData } from './data.ts';

const list = (v: string): number[] => v.split(',').map(Number);
const o = new Command('bench:blend-shares')
  .requiredOption('--data <dir>', 'LFW root (peopleDevTrain.txt, images)')
  .option('--models <list>', 'probe models (student, or model directories)', 'student,models/ensemble')
  .option('--sizes <list>', 'LR face sizes (px)', '8,10,12,16')
  .option('--shares <list>', "the teacher's shares to try", '0,0.15,0.3,0.5,1')
  .option('--validation-fraction <f>', 'identities held out (the training run’s)', '0.05')
  .option('--json <file>', 'write the rows as JSON')
  .parse()
  .opts<{
    data: string;
    models: string;
    sizes: string;
    shares: string;
    validationFraction: string;
    json?: string;
  }>();

await exitUnlessPresent('bench:blend-shares', [join(o.data, 'peopleDevTrain.txt')]);
await initBackend();
const { validation } = await studentExperimentData(o.data, Number(o.validationFraction));
const pairs = validationPairs(validation.map((s) => s.identity));
const labels = pairs.map((p) => p.same);
const teacher = await createEmbedder('teacher');
const rows: { model: string; size: number; teacher_share: number; accuracy: number; auc: number }[] = [];
console.log(`held-out DevTrain: ${validation.length} faces, ${pairs.length} pairs (LR-LR)`);
console.log('model               size  share  accuracy     auc');
for (const spec of o.models.split(',')) {
  const model = await createEmbedder(spec as EmbedderSpec);
  const adapted = await createGalleryEmbedder(teacher, spec as EmbedderSpec);
  for (const size of list(o.sizes)) {
    const lr = lowResValidationChips(
      validation.map((s) => s.chip),
      size,
    );
    // Both models get the chip the pipeline cuts (the model's input size); the teacher resizes it on.
    const chips = lr.map((c) => resizeTo(c, model.inputSize));
    const own = await model.embed(
      chips,
      lr.map(() => size),
    );
    const taught = await adapted.embed(chips);
    for (const share of list(o.shares)) {
      const e = own.map((v, i) => fuseEmbeddings([v, taught[i]!], [1 - share, share]));
      const accuracy = verificationAccuracy(e, pairs);
      const auc = aucFromRoc(
        rocCurve(
          pairs.map((p) => cosineSimilarity(e[p.a]!, e[p.b]!)),
          labels,
        ),
      );
      rows.push({ model: spec, size, teacher_share: share, accuracy, auc });
      console.log(
        `${spec.padEnd(18)} ${String(size).padStart(5)}  ${share.toFixed(2)}  ${(accuracy * 100).toFixed(2).padStart(7)}%  ${auc.toFixed(4)}`,
      );
    }
  }
  model.dispose();
}
teacher.dispose();
if (o.json) await writeFile(o.json, `${JSON.stringify({ pairs: pairs.length, rows }, null, 2)}\n`);
