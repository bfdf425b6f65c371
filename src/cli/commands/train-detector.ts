import { InvalidArgumentError, Option, type Command } from 'commander';
import { join, resolve } from 'node:path';
import { loadDetectorSources } from '../../distill/detector-sources.ts';
import type { EpochRecord } from '../../distill/history.ts';
import { trainSmallFaceDetector } from '../../distill/train-detector.ts';
import { writeTrainedModelDir } from '../../models/student/model-io.ts';
import { initBackend } from '../../runtime/backend.ts';
import { numberIn, positiveInt } from '../options.ts';
import { stageProgress } from '../progress.ts';

interface TrainDetectorCliOptions {
  readonly data: string;
  readonly clip: string;
  readonly frames: [number, number];
  readonly frameStep: number;
  readonly identities: number;
  readonly out: string;
  readonly epochs: number;
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  readonly width: number;
  readonly seed: number;
  readonly resume?: boolean;
  readonly checkpointMinutes: number;
}

function frameRange(value: string): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(value);
  if (!m || Number(m[2]) <= Number(m[1]))
    throw new InvalidArgumentError(`expected FIRST:END with END > FIRST, got "${value}"`);
  return [Number(m[1]), Number(m[2])];
}

async function trainDetectorAction(o: TrainDetectorCliOptions): Promise<void> {
  await initBackend();
  const bar = stageProgress();
  const sources = await loadDetectorSources({
    lfw: o.data,
    clip: o.clip,
    frames: o.frames,
    frameStep: o.frameStep,
    identities: o.identities,
    validationFraction: 0.1,
    seed: String(o.seed),
    onProgress: (stage, done, total) => bar.update(stage, done, total),
  });
  bar.stop();
  const outDir = resolve(o.out);
  const result = await trainSmallFaceDetector({
    train: sources.train,
    validation: sources.validation,
    epochs: o.epochs,
    stepsPerEpoch: o.steps,
    batchSize: o.batch,
    learningRate: o.lr,
    network: { width: o.width },
    seed: o.seed,
    checkpointDir: join(outDir, 'checkpoints'),
    checkpointEveryMinutes: o.checkpointMinutes,
    resume: o.resume ?? false,
    progress: true,
  });
  const modelDir = join(outDir, 'small-face');
  const card = {
    model: 'bridgeface small-face detector',
    parameters: result.net.countParams(),
    width: o.width,
    data:
      `LFW deep-funnelled peopleDevTrain, first photo of ${o.identities} identities (90% train, 10% validation; ` +
      `DevTest never read), pasted at 8–56 px into frames ${o.frames[0]}..${o.frames[1]} (every ${o.frameStep}th) ` +
      `of ${o.clip} and procedural clutter; face-api tiny detections on those frames ignored.`,
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
    'MODEL_CARD.md': renderDetectorCard(card),
  });
  result.net.dispose();
  console.log(JSON.stringify({ modelDir, ...card, history: card.history.at(-1) }, null, 2));
}

/** The model card: what the net is, what it was trained on, and its validation per epoch. */
export function renderDetectorCard(c: {
  parameters: number;
  width: number;
  data: string;
  epochs: number;
  stepsPerEpoch: number;
  batch: number;
  learningRate: number;
  seed: number;
  trainingSeconds: number;
  history: readonly EpochRecord[];
}): string {
  const rows = c.history.map((r) => {
    const v = r.validation;
    const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
    return `| ${r.epoch} | ${(r.loss.total ?? NaN).toFixed(3)} | ${(v.val_loss ?? NaN).toFixed(3)} | ${pct(v.val_recall)} | ${(v.val_fp_per_tile ?? NaN).toFixed(3)} |`;
  });
  return [
    '# BridgeFace small-face detector (`tiled-small`)',
    '',
    `A fully convolutional face-centre detector for 12–44 px faces (src/detect/small-face-net.ts): ${c.parameters.toLocaleString('en-US')} parameters, width ${c.width}, output stride 4.`,
    'It is the first stage of the `tiled-small` detector, which runs it over motion regions and tracked faces at scale ~1.',
    '',
    `**Data.** ${c.data}`,
    '',
    `**Schedule.** ${c.epochs} epochs x ${c.stepsPerEpoch} steps of ${c.batch} tiles of 96x96, Adam, peak learning rate ${c.learningRate}, cosine decay, seed ${c.seed}; ${(c.trainingSeconds / 60).toFixed(1)} min on the wasm backend.`,
    '',
    '**Validation** (256 fixed tiles with held-out identities; recall and false detections per tile at score 0.5):',
    '',
    '| epoch | train loss | val loss | val recall | false / tile |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Measured on composited and real footage: docs/BENCHMARKS.md (bench:detect, the demo).',
    '',
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('train-detector')
    .description('train the small-face detector (tiled-small) on LFW DevTrain faces pasted into CCTV frames')
    .requiredOption('--data <dir>', 'LFW root (the folder holding peopleDevTrain.txt)')
    .requiredOption('--clip <file>', 'a CCTV clip whose frames are the backgrounds')
    .addOption(
      new Option(
        '--frames <first:end>',
        'clip frames to use (keep them apart from the frames bench:detect scores)',
      )
        .argParser(frameRange)
        .default([620, 795], '620:795'),
    )
    .option('--frame-step <n>', 'use every n-th frame of the range', positiveInt('--frame-step'), 5)
    .option(
      '--identities <n>',
      'LFW DevTrain identities read (one photo each)',
      positiveInt('--identities'),
      1500,
    )
    .option('--out <dir>', 'output directory (model, checkpoints)', 'artifacts/train-detector')
    .option('--epochs <n>', 'epochs', positiveInt('--epochs'), 14)
    .option('--steps <n>', 'steps per epoch', positiveInt('--steps'), 250)
    .option('--batch <n>', 'tiles per step', positiveInt('--batch'), 32)
    .option('--lr <x>', 'peak learning rate (Adam)', numberIn('--lr', 1e-5, 1), 2e-3)
    .option('--width <n>', 'channels of the stride-4 blocks', positiveInt('--width'), 32)
    .option('--seed <n>', 'random seed', positiveInt('--seed'), 1)
    .option('--resume', 'continue from the checkpoint in --out')
    .option('--checkpoint-minutes <n>', 'minutes between checkpoints', positiveInt('--checkpoint-minutes'), 5)
    .action(trainDetectorAction);
}
