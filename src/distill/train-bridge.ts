import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModelFromDir, modelSizeOnDisk, saveModelToDir } from '../models/student/model-io.ts';
import { packImages, toStudentInput } from '../models/student/preprocess.ts';
import { exportQuantizedStudent } from '../models/student/student-embedder.ts';
import { initBackend } from '../runtime/backend.ts';
import { log } from '../util/log.ts';
import { createRng } from '../util/random.ts';
import { adaptEmbeddings, adapterDirFor, loadAdapter, saveAdapter } from '../models/adapter.ts';
import { normalizeRows } from './batches.ts';
import { writeHistory, writeHistorySvg, type TrainingHistory } from './history.ts';
import { renderModelCard } from './model-card.ts';
import { trainAdapter, type AdapterTrainOptions } from './train-adapter.ts';
import { embedPacked, trainStudent, type StudentTrainOptions } from './train-student.ts';
import type { Ablation, BridgeSample } from './types.ts';
import { lowResValidationChips, validationPairs, verificationAccuracy } from './validation.ts';

/**
 * The whole bridge distillation, data in → model directories out. The caller (the `bridgeface train`
 * command) prepares the samples: LFW peopleDevTrain faces aligned to 150x150 chips with cached teacher
 * embeddings. A slice of those identities is held out for validation; nothing else is read from disk.
 */
export interface TrainBridgeOptions {
  /** Training faces (public HR identities). */
  readonly samples: readonly BridgeSample[];
  /**
   * Held-out validation faces. When absent, `validationFraction` of the identities (chosen among those
   * with ≥ 2 faces, so they form genuine pairs) are split off `samples` by a seeded draw.
   */
  readonly validation?: readonly BridgeSample[];
  /** @defaultValue 0.1 */
  readonly validationFraction?: number;
  /** Output root: adapter/, student/, student-fp16/, history.json, history.svg. */
  readonly outDir: string;
  /** @defaultValue 'none' */
  readonly ablation?: Ablation;
  readonly adapter?: AdapterTrainOptions;
  readonly student?: StudentTrainOptions;
  /** @defaultValue 1 */
  readonly seed?: number;
  /** @defaultValue `<outDir>/checkpoints` */
  readonly checkpointDir?: string;
  /** @defaultValue 10 */
  readonly checkpointEveryMinutes?: number;
  /** Resume both stages from their checkpoints. @defaultValue false */
  readonly resume?: boolean;
  readonly progress?: boolean;
  /** One paragraph for the model card's data section. */
  readonly dataDescription?: string;
  /**
   * Fine-tune instead of training from scratch: step 2 starts from this trained student directory and
   * step 1 is not run — the student's own adapter (the sibling `adapter/`, as the pipeline pairs them)
   * gives the targets, so the fine-tuned student stays in the space its gallery vectors live in.
   */
  readonly fineTuneFrom?: string;
}

export interface TrainBridgeResult {
  readonly adapterDir: string | null;
  readonly studentDir: string;
  readonly studentFp16Dir: string;
  readonly historyJson: string;
  readonly historySvg: string;
  readonly modelCard: string;
  /** Variant → metric → accuracy. */
  readonly accuracy: Record<string, Record<string, number>>;
}

/** Splits samples by identity: `fraction` of all identities, drawn from those with ≥ 2 faces. */
export function splitByIdentity(
  samples: readonly BridgeSample[],
  fraction: number,
  seed: number | string,
): { train: BridgeSample[]; validation: BridgeSample[] } {
  const counts = new Map<number, number>();
  for (const s of samples) counts.set(s.identity, (counts.get(s.identity) ?? 0) + 1);
  const multi = [...counts.entries()].filter(([, n]) => n >= 2).map(([id]) => id);
  const want = Math.min(multi.length, Math.round(fraction * counts.size));
  const held = new Set(
    createRng(`${seed}:split`)
      .shuffle(multi.sort((a, b) => a - b))
      .slice(0, want),
  );
  return {
    train: samples.filter((s) => !held.has(s.identity)),
    validation: samples.filter((s) => held.has(s.identity)),
  };
}

export async function trainBridge(options: TrainBridgeOptions): Promise<TrainBridgeResult> {
  const backend = await initBackend();
  const seed = options.seed ?? 1;
  const ablation = options.ablation ?? 'none';
  const { train, validation } = options.validation
    ? { train: [...options.samples], validation: [...options.validation] }
    : splitByIdentity(options.samples, options.validationFraction ?? 0.1, seed);
  const common = {
    checkpointDir: options.checkpointDir ?? join(options.outDir, 'checkpoints'),
    checkpointEveryMinutes: options.checkpointEveryMinutes ?? 10,
    resume: options.resume ?? false,
    progress: options.progress,
  };
  await mkdir(options.outDir, { recursive: true });
  const history: TrainingHistory = { epochs: [] };
  const seconds: Record<string, number> = {};

  // Step 1 (skipped for the raw-teacher ablation): adapter → distillation targets.
  let targets = normalizeRows(train.map((s) => s.teacher));
  // The validation faces' HR gallery embeddings, in the space the student mimics (HR-LR validation).
  let validationTargets = normalizeRows(validation.map((s) => s.teacher));
  let adapterDir: string | null = null;
  // Fine-tuning reuses the student's own adapter (step 1 is not run); otherwise step 1 trains one.
  const reusedAdapterDir = options.fineTuneFrom ? adapterDirFor(options.fineTuneFrom)! : undefined;
  let adapter: tf.LayersModel | undefined;
  if (reusedAdapterDir) {
    if (ablation !== 'none')
      throw new RangeError(`fine-tuning runs the full method, not the ${ablation} ablation`);
    adapter = await loadAdapter(reusedAdapterDir).catch((err: unknown) => {
      throw new RangeError(
        `fine-tuning ${options.fineTuneFrom} needs its step-1 adapter at ${reusedAdapterDir}: ${(err as Error).message}`,
      );
    });
  } else if (ablation !== 'raw-teacher-targets') {
    const a = await trainAdapter(train, validation, { seed, ...common, ...options.adapter });
    history.epochs.push(...a.records);
    seconds['step 1 (adapter)'] = a.trainingSeconds;
    adapter = a.adapter;
  }
  if (adapter) {
    adapterDir = join(options.outDir, 'adapter');
    await saveAdapter(adapter, adapterDir);
    targets = await adaptEmbeddings(adapter, targets);
    validationTargets = await adaptEmbeddings(adapter, validationTargets);
    adapter.dispose();
  }

  // Step 2: the LR student.
  const studentOptions: StudentTrainOptions = {
    seed,
    ...common,
    ...options.student,
    ...(ablation === 'no-identity' ? { identityWeight: 0 } : {}),
    ...(ablation === 'no-mimic' ? { mimicWeight: 0 } : {}),
    ...(options.fineTuneFrom ? { initFrom: options.fineTuneFrom } : {}),
  };
  const s = await trainStudent(
    train.map((x, i) => ({ identity: x.identity, chip: x.chip, target: targets[i] })),
    validation.map((x, i) => ({ identity: x.identity, chip: x.chip, target: validationTargets[i] })),
    studentOptions,
  );
  history.epochs.push(...s.records);
  seconds['step 2 (student)'] = s.trainingSeconds;
  const inputSize = s.student.inputs[0].shape[1] as number;
  // Read from the trained net, not the options: a fine-tuned student keeps the width it was loaded with.
  const stemWidth = s.student.getLayer('stem').outputShape[3] as number;
  const embeddingDim = s.student.outputs[0].shape[1] as number;
  const params = s.student.countParams();
  const metadata = {
    kind: 'bridgeface-student',
    inputSize,
    embeddingDim,
    ablation,
    inputRange: '0..255 RGB',
  };
  const studentDir = join(options.outDir, 'student');
  const studentFp16Dir = join(options.outDir, 'student-fp16');
  await saveModelToDir(s.student, studentDir, { metadata });
  await exportQuantizedStudent(s.student, studentFp16Dir, 'float16', metadata);
  s.student.dispose();

  // Final accuracy of both stored variants (re-loaded from disk: what ships is what is measured).
  const sizes = studentOptions.validationSizes ?? [12, 16];
  const pairs = validationPairs(
    validation.map((x) => x.identity),
    1000,
    `${seed}:student-validation`,
  );
  const accuracy: Record<string, Record<string, number>> = {};
  for (const [variant, dir] of [
    ['float32', studentDir],
    ['float16', studentFp16Dir],
  ] as const) {
    const model = await loadModelFromDir(dir);
    accuracy[variant] = {};
    for (const r of sizes) {
      const pixels = packImages(
        lowResValidationChips(
          validation.map((x) => x.chip),
          r,
        ).map((c) => toStudentInput(c, inputSize)),
        inputSize,
      );
      accuracy[variant][`lr${r}`] = verificationAccuracy(await embedPacked(model, pixels, inputSize), pairs);
    }
    model.dispose();
  }

  const historyJson = join(options.outDir, 'history.json');
  const historySvg = join(options.outDir, 'history.svg');
  await writeHistory(historyJson, history);
  await writeHistorySvg(historySvg, history);

  const modelCard = join(studentDir, 'MODEL_CARD.md');
  const ids = (xs: readonly BridgeSample[]): number => new Set(xs.map((x) => x.identity)).size;
  const so = studentOptions;
  await writeFile(
    modelCard,
    renderModelCard({
      title: 'BridgeFace LR student',
      ablation,
      data: {
        description:
          options.dataDescription ??
          'Public HR faces (aligned 150x150 chips) with the frozen teacher embeddings; LR faces synthesised on the fly.',
        trainIdentities: ids(train),
        trainSamples: train.length,
        validationIdentities: ids(validation),
        validationSamples: validation.length,
        validationPairs: pairs.length,
      },
      model: {
        params,
        inputSize,
        embeddingDim,
        sizeOnDisk: {
          float32: await modelSizeOnDisk(studentDir),
          float16: await modelSizeOnDisk(studentFp16Dir),
        },
      },
      accuracy,
      trainingSeconds: seconds,
      backend: `${backend.choice} (tfjs ${tf.version.tfjs}, ${tf.getBackend()})`,
      hyperParameters: {
        'student width / input': `${stemWidth} / ${inputSize}`,
        'student epochs x batch': `${so.epochs ?? 30} x ${so.batchSize ?? 64}`,
        'student optimizer': `Adam, peak lr ${so.learningRate ?? 2e-3}, warm-up then cosine decay to 1%`,
        'loss weights (mimic, identity, relation)': `${so.mimicWeight ?? 1}, ${so.identityWeight ?? 0.1}, ${so.relationWeight ?? 0}`,
        'CosFace (s, m)': `${so.scale ?? 30}, ${so.margin ?? 0.35}`,
        'LR sizes': `${so.lowRes?.minSize ?? 8}–${so.lowRes?.maxSize ?? 32} px, ${
          so.lowRes?.peakSize === undefined ? 'uniform' : `triangular, peak ${so.lowRes.peakSize} px`
        }`,
        'identity prototypes': so.prototypes ?? 'trainable',
        // Paths relative to where the command ran (the repository root): the card travels with the model.
        ...(options.fineTuneFrom ? { 'fine-tuned from': relative(process.cwd(), options.fineTuneFrom) } : {}),
        'adapter epochs x batch': reusedAdapterDir
          ? `reused from ${relative(process.cwd(), reusedAdapterDir)}`
          : adapterDir
            ? `${options.adapter?.epochs ?? 20} x ${options.adapter?.batchSize ?? 256}`
            : 'not trained',
        'adapter similarity-preserving λ': options.adapter?.preserveWeight ?? 10,
        seed,
      },
    }),
  );
  log.info({ studentDir, accuracy }, 'bridge distillation finished');
  return { adapterDir, studentDir, studentFp16Dir, historyJson, historySvg, modelCard, accuracy };
}
