import { InvalidArgumentError, Option, type Command } from 'commander';
import { numberIn, positiveInt } from '../options.ts';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadFolderDataset } from '../../datasets/folder-dataset.ts';
import { loadLfwPeople } from '../../datasets/lfw.ts';
import { prepareBridgeSamples } from '../../distill/prepare-samples.ts';
import { trainBridge } from '../../distill/train-bridge.ts';
import { ABLATIONS, type Ablation } from '../../distill/types.ts';
import { createEmbedder } from '../../models/registry.ts';
import { REPO_ROOT } from '../../models/model-paths.ts';
import { initBackend } from '../../runtime/backend.ts';
import { stageProgress } from '../progress.ts';

interface TrainOptions {
  readonly dataset: 'lfw' | 'folder';
  readonly data: string;
  readonly out: string;
  readonly seed: number;
  readonly epochs?: number;
  readonly adapterEpochs?: number;
  readonly batch?: number;
  readonly identityWeight?: number;
  readonly relationWeight?: number;
  readonly lrPeak?: number;
  readonly inputSize?: number;
  readonly width?: number;
  readonly validationFraction?: number;
  readonly ablation: Ablation;
  readonly resume?: boolean;
  readonly maxIdentities?: number;
  readonly checkpointMinutes: number;
  readonly install?: boolean;
  readonly fineTune?: string;
  readonly learningRate?: number;
  readonly prototypes?: 'trainable' | 'frozen-targets';
}

async function trainAction(o: TrainOptions): Promise<void> {
  if (o.fineTune !== undefined && (o.width !== undefined || o.inputSize !== undefined)) {
    throw new InvalidArgumentError(
      "--fine-tune keeps the trained student's width and input size: drop --width / --input-size",
    );
  }
  await initBackend();
  // LFW: train on peopleDevTrain only (DevTest identities are for reporting and must stay unseen).
  const dataset =
    o.dataset === 'lfw' ? await loadLfwPeople(o.data, 'devtrain') : await loadFolderDataset(o.data);
  const teacher = await createEmbedder('teacher');
  const bar = stageProgress();
  const started = Date.now();
  const prepared = await prepareBridgeSamples(teacher, dataset, {
    assumeCentred: o.dataset === 'lfw',
    maxIdentities: o.maxIdentities,
    onProgress: (stage, done, total) => bar.update(stage, done, total),
  });
  bar.stop();
  teacher.dispose();
  const prepSeconds = (Date.now() - started) / 1000;
  process.stderr.write(
    `prepared ${prepared.samples.length} faces of ${prepared.identities} identities ` +
      `(${prepared.unaligned} of ${prepared.images} images without a face) in ${prepSeconds.toFixed(0)} s\n`,
  );
  const outDir = resolve(o.out);
  const result = await trainBridge({
    samples: prepared.samples,
    outDir,
    ablation: o.ablation,
    seed: o.seed,
    validationFraction: o.validationFraction,
    resume: o.resume ?? false,
    checkpointEveryMinutes: o.checkpointMinutes,
    progress: true,
    dataDescription:
      o.dataset === 'lfw'
        ? `LFW deep-funnelled, peopleDevTrain only (${prepared.identities} identities, ${prepared.samples.length} faces aligned by the teacher's dlib-style 150x150 chip; ${prepared.unaligned} images without a detectable face left out). DevTest identities never seen.`
        : `Folder dataset ${dataset.root}: ${prepared.identities} identities, ${prepared.samples.length} faces.`,
    adapter: o.adapterEpochs ? { epochs: o.adapterEpochs } : undefined,
    fineTuneFrom: o.fineTune === undefined ? undefined : resolve(o.fineTune),
    student: {
      ...(o.epochs ? { epochs: o.epochs } : {}),
      ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
      ...(o.prototypes ? { prototypes: o.prototypes } : {}),
      ...(o.batch ? { batchSize: o.batch } : {}),
      ...(o.identityWeight !== undefined ? { identityWeight: o.identityWeight } : {}),
      ...(o.relationWeight !== undefined ? { relationWeight: o.relationWeight } : {}),
      ...(o.lrPeak !== undefined ? { lowRes: { minSize: 8, maxSize: 32, peakSize: o.lrPeak } } : {}),
      ...(o.inputSize || o.width
        ? {
            network: {
              ...(o.inputSize ? { inputSize: o.inputSize } : {}),
              ...(o.width ? { width: o.width } : {}),
            },
          }
        : {}),
    },
  });
  console.log(JSON.stringify({ ...result, prepSeconds }, null, 2));
  if (o.install) {
    // The pipeline loads models/ by default: install the float32 student, its fp16 twin and the adapter.
    const models = join(REPO_ROOT, 'models');
    await mkdir(models, { recursive: true });
    for (const [from, to] of [
      [result.studentDir, 'student'],
      [result.studentFp16Dir, 'student-fp16'],
      [result.adapterDir, 'adapter'],
    ] as const) {
      if (!from) continue;
      await rm(join(models, to), { recursive: true, force: true });
      await cp(from, join(models, to), { recursive: true });
    }
    process.stderr.write(`installed into ${models}\n`);
  }
}

export function register(program: Command): void {
  program
    .command('train')
    .description('bridge distillation: step 1 adapter on the teacher, step 2 the LR student')
    .addOption(new Option('--dataset <kind>', 'dataset layout').choices(['lfw', 'folder']).default('lfw'))
    .requiredOption('--data <dir>', 'dataset root (LFW: the folder holding peopleDevTrain.txt)')
    .option('--out <dir>', 'output directory (models, history, checkpoints)', 'artifacts/train')
    .option('--seed <n>', 'random seed', positiveInt('--seed'), 1)
    .option('--epochs <n>', 'student epochs (default: 30)', positiveInt('--epochs'))
    .option('--adapter-epochs <n>', 'adapter epochs (default: 20)', positiveInt('--adapter-epochs'))
    .option('--batch <n>', 'student batch size (default: 64)', positiveInt('--batch'))
    .option(
      '--identity-weight <w>',
      'weight of the LR identity (CosFace) term (default: 0.1)',
      numberIn('--identity-weight', 0, 10),
    )
    .option(
      '--relation-weight <w>',
      "weight of the relational term: the batch's pairwise LR cosines fitted to the targets' (default: 0, off)",
      numberIn('--relation-weight', 0, 100),
    )
    .option(
      '--lr-peak <px>',
      'most frequent synthetic LR size (triangular on 8-32 px; default uniform)',
      numberIn('--lr-peak', 8, 32),
    )
    .option(
      '--input-size <px>',
      'student input side, a multiple of 8 (default: 32)',
      positiveInt('--input-size'),
    )
    .option(
      '--width <n>',
      'student stem width; blocks are 2x, 4x, 8x of it (default: 32, the paper-sized ≤ 0.21M-parameter student)',
      positiveInt('--width'),
    )
    .option(
      '--validation-fraction <f>',
      'share of identities held out for validation (default: 0.1)',
      numberIn('--validation-fraction', 0.01, 0.5),
    )
    .addOption(
      new Option('--ablation <name>', 'switch off a part of the method')
        .choices([...ABLATIONS])
        .default('none'),
    )
    .option('--resume', 'resume from the checkpoints in <out>/checkpoints')
    .option(
      '--max-identities <n>',
      'use only the first N identities (quick runs)',
      positiveInt('--max-identities'),
    )
    .option('--checkpoint-minutes <n>', 'minutes between checkpoints', positiveInt('--checkpoint-minutes'), 5)
    .option(
      '--fine-tune <student dir>',
      'start step 2 from this trained student (e.g. models/student) and reuse its adapter (the sibling adapter/) instead of running step 1',
    )
    .option(
      '--learning-rate <lr>',
      'student Adam peak learning rate (default: 0.002; lower, e.g. 0.0005, to fine-tune)',
      numberIn('--learning-rate', 1e-6, 0.1),
    )
    .addOption(
      new Option(
        '--prototypes <kind>',
        "identity task's class weights: learned, or frozen at the adapted-HR class means (default: trainable)",
      ).choices(['trainable', 'frozen-targets']),
    )
    .option('--install', 'copy the trained models into models/ (what the pipeline loads)')
    .action(trainAction);
}
