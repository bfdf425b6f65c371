import type { Command } from 'commander';
import { cp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { EpochRecord } from '../../distill/history.ts';
import { loadRollSources } from '../../distill/roll-sources.ts';
import { trainRollNet } from '../../distill/train-roll.ts';
import { rollModelDir } from '../../models/model-paths.ts';
import { createEmbedder } from '../../models/registry.ts';
import { writeTrainedModelDir } from '../../models/student/model-io.ts';
import { initBackend } from '../../runtime/backend.ts';
import { numberIn, positiveInt } from '../options.ts';
import { stageProgress } from '../progress.ts';

interface TrainRollCliOptions {
  readonly data: string;
  readonly out: string;
  readonly epochs: number;
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  readonly seed: number;
  readonly maxIdentities?: number;
  readonly resume?: boolean;
  readonly checkpointMinutes: number;
  readonly install?: boolean;
}

async function trainRollAction(o: TrainRollCliOptions): Promise<void> {
  await initBackend();
  const teacher = await createEmbedder('teacher');
  const bar = stageProgress();
  const sources = await loadRollSources(teacher, {
    lfw: o.data,
    validationFraction: 0.05,
    seed: String(o.seed),
    maxIdentities: o.maxIdentities,
    onProgress: (stage, done, total) => bar.update(stage, done, total),
  }).finally(() => {
    bar.stop();
    teacher.dispose();
  });
  const outDir = resolve(o.out);
  const result = await trainRollNet({
    train: sources.train,
    validation: sources.validation,
    epochs: o.epochs,
    stepsPerEpoch: o.steps,
    batchSize: o.batch,
    learningRate: o.lr,
    seed: o.seed,
    checkpointDir: join(outDir, 'checkpoints'),
    checkpointEveryMinutes: o.checkpointMinutes,
    resume: o.resume ?? false,
    progress: true,
  });
  const modelDir = join(outDir, 'roll');
  const card = {
    model: 'bridgeface roll net',
    parameters: result.net.countParams(),
    data:
      `LFW deep-funnelled peopleDevTrain, every photo the teacher aligns (${sources.train.length} training faces; ` +
      `${sources.validation.length} faces of the 5% held-out identities for validation; DevTest never read), ` +
      'rolled ±45°, box jitter ±7% / 0.88–1.14x, 10–40 px, LR degradations as the student.',
    epochs: o.epochs,
    stepsPerEpoch: o.steps,
    batch: o.batch,
    learningRate: o.lr,
    seed: o.seed,
    trainingSeconds: result.trainingSeconds,
    history: result.records,
  };
  await writeTrainedModelDir(modelDir, result.net, {
    'training.json': `${JSON.stringify(card, null, 2)}\n`,
    'MODEL_CARD.md': renderRollCard(card),
  });
  result.net.dispose();
  if (o.install) {
    await rm(rollModelDir(), { recursive: true, force: true });
    await cp(modelDir, rollModelDir(), { recursive: true });
  }
  console.log(
    JSON.stringify(
      { modelDir, installed: o.install ? rollModelDir() : null, ...card, history: card.history.at(-1) },
      null,
      2,
    ),
  );
}

/** The model card: what the net is, what it was trained on, and its validation error per epoch. */
export function renderRollCard(c: {
  parameters: number;
  data: string;
  epochs: number;
  stepsPerEpoch: number;
  batch: number;
  learningRate: number;
  seed: number;
  trainingSeconds: number;
  history: readonly EpochRecord[];
}): string {
  const sizes = Object.keys(c.history[0]?.validation ?? {});
  const rows = c.history.map(
    (r) =>
      `| ${r.epoch} | ${(r.loss.total ?? NaN).toFixed(4)} | ${sizes.map((k) => `${(r.validation[k] ?? NaN).toFixed(1)}°`).join(' | ')} |`,
  );
  return [
    '# BridgeFace roll net',
    '',
    `Estimates the in-plane roll of a face crop so the pipeline can re-cut it upright before embedding (src/detect/roll-net.ts, src/detect/roll-correction.ts): ${c.parameters.toLocaleString('en-US')} parameters, 32x32 input.`,
    '',
    `**Data.** ${c.data}`,
    '',
    `**Schedule.** ${c.epochs} epochs x ${c.stepsPerEpoch} steps of ${c.batch} crops, Adam, peak learning rate ${c.learningRate}, cosine decay, Huber loss on radians, seed ${c.seed}; ${(c.trainingSeconds / 60).toFixed(1)} min on the wasm backend.`,
    '',
    '**Validation**: mean absolute roll error on held-out identities, per face size at the camera:',
    '',
    `| epoch | train loss | ${sizes.map((k) => k.replace('mae_deg_', '') + ' px').join(' | ')} |`,
    `| --- | --- | ${sizes.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
    'What it buys on recognition: docs/BENCHMARKS.md ("Rolled faces").',
    '',
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('train-roll')
    .description('train the roll net (re-cuts tilted faces upright before embedding) on LFW DevTrain faces')
    .requiredOption('--data <dir>', 'LFW root (the folder holding peopleDevTrain.txt)')
    .option('--out <dir>', 'output directory (model, checkpoints)', 'artifacts/train-roll')
    .option('--epochs <n>', 'epochs', positiveInt('--epochs'), 12)
    .option('--steps <n>', 'steps per epoch', positiveInt('--steps'), 400)
    .option('--batch <n>', 'crops per step', positiveInt('--batch'), 64)
    .option('--lr <x>', 'peak learning rate (Adam)', numberIn('--lr', 1e-5, 1), 3e-3)
    .option('--seed <n>', 'random seed', positiveInt('--seed'), 1)
    .option(
      '--max-identities <n>',
      'use at most this many identities (quick runs)',
      positiveInt('--max-identities'),
    )
    .option('--resume', 'continue from the checkpoint in --out')
    .option('--checkpoint-minutes <n>', 'minutes between checkpoints', positiveInt('--checkpoint-minutes'), 5)
    .option('--install', 'copy the trained net into models/roll (what the pipeline loads)')
    .action(trainRollAction);
}
