import * as tf from '@tensorflow/tfjs';
import type { LowResOptions } from '../datasets/lr-synthesis.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { createStudentNet, type StudentConfig } from '../models/student/architecture.ts';
import { loadModelFromDir, saveModelToDir } from '../models/student/model-io.ts';
import { packImages, toStudentInput } from '../models/student/preprocess.ts';
import { batchIndices, normalizeRows, remapLabels, stepsPerEpoch } from './batches.ts';
import {
  loadNamedTensors,
  restoreOptimizerState,
  saveNamedTensors,
  saveOptimizerState,
  restoreModelState,
} from './checkpoint.ts';
import type { EpochRecord } from './history.ts';
import { imprintWeights, l2Normalize } from './losses.ts';
import { buildLowResBatch, type LowResRange } from './lr-batch.ts';
import { studentLoss } from './student-loss.ts';
import { runTrainingLoop } from './trainer.ts';
import {
  crossVerificationAccuracy,
  lowResValidationChips,
  validationPairs,
  verificationAccuracy,
} from './validation.ts';

/**
 * Step 2, resolution-adapted distillation: the LR student learns from synthetic LR versions of the
 * public faces with a multi-task loss (one batch's: student-loss.ts)
 *
 *   L = w_mimic · (1 − cos(student(LR), target(HR)))  +  w_id · CosFace(student(LR), W_lr, identity)
 *
 * where target(HR) is the step-1 adapter's embedding of the same face's HR chip (precomputed) and W_lr
 * is a classifier of its own (never shared with step 1). Mimicry carries the teacher's knowledge, which
 * generalises to unseen identities; the identity task sharpens what LR inputs can still separate.
 */
export interface StudentSample {
  readonly identity: number;
  /** Aligned HR chip (LR versions are synthesised from it every step). */
  readonly chip: RgbImage;
  /** Distillation target for this face (adapter or raw teacher embedding; unit norm). */
  readonly target: Float32Array;
}

export interface StudentTrainOptions {
  /** @defaultValue 30 */
  readonly epochs?: number;
  /** @defaultValue 64 */
  readonly batchSize?: number;
  /** Adam peak learning rate (1 epoch linear warm-up, then cosine decay to 1%). @defaultValue 2e-3 */
  readonly learningRate?: number;
  /** Weight of the mimic term; 0 switches it off (ablation `no-mimic`). @defaultValue 1 */
  readonly mimicWeight?: number;
  /**
   * Weight of the identity (CosFace) term; 0 switches it off (ablation `no-identity`). CosFace over a few
   * thousand identities starts near ln(C) ≈ 8 nats, so 0.1 puts it on the scale of the initial mimic
   * loss (≈ 1) while mimicry, the term that carries the teacher's knowledge, stays the main signal.
   * @defaultValue 0.1
   */
  readonly identityWeight?: number;
  /**
   * Weight of the relational term (student-loss.ts): the batch's pairwise LR cosines fitted to their
   * targets'. 0 switches it off. @defaultValue 0
   */
  readonly relationWeight?: number;
  /** CosFace scale. @defaultValue 30 */
  readonly scale?: number;
  /** CosFace margin. @defaultValue 0.35 */
  readonly margin?: number;
  /**
   * The identity task's class weights: `trainable` (imprinted from the targets' class means, then
   * learned) or `frozen-targets` (the targets' class means, never updated). Frozen, the identity term
   * asks each LR face to sit nearer its own identity's adapted-HR mean than every other identity's —
   * the product's HR-gallery-vs-LR-probe decision, with all training identities as negatives — instead
   * of letting the LR classifier drift to a space of its own. @defaultValue 'trainable'
   */
  readonly prototypes?: 'trainable' | 'frozen-targets';
  /**
   * Start from a trained student (a model directory) instead of random weights: fine-tuning. Its
   * input size and embedding width must match the targets. A checkpoint, when resuming, wins.
   */
  readonly initFrom?: string;
  /** Sizes of the synthetic LR faces. @defaultValue { minSize: 8, maxSize: 32 } */
  readonly lowRes?: Partial<LowResRange>;
  /** Augmentations of the LR synthesis (defaults of lr-synthesis.ts). */
  readonly lowResOptions?: LowResOptions;
  /**
   * LR sizes validated after each epoch: LR-LR verification (`lrN`) and, against the validation
   * samples' targets as the HR gallery, HR-LR verification (`hrlrN`, how the pipeline matches).
   * @defaultValue [12, 16]
   */
  readonly validationSizes?: readonly number[];
  readonly seed?: number | string;
  readonly network?: Partial<StudentConfig>;
  readonly checkpointDir?: string;
  readonly checkpointEveryMinutes?: number;
  readonly resume?: boolean;
  readonly progress?: boolean;
  /** Called after every optimizer step with the global step and the loss terms. */
  readonly onStep?: (step: number, terms: Readonly<Record<string, number>>) => void;
}

export interface StudentTrainResult {
  readonly student: tf.LayersModel;
  readonly records: EpochRecord[];
  readonly trainingSeconds: number;
  /** The final epoch's validation metrics. */
  readonly validation: Record<string, number>;
}

const STAGE = 'student';

/** Embeds packed inputs [N, S, S, 3] in batches; unit-norm rows. */
export async function embedPacked(
  model: tf.LayersModel,
  pixels: Float32Array,
  size: number,
  batchSize = 128,
): Promise<Float32Array[]> {
  const per = size * size * 3;
  const n = pixels.length / per;
  const out: Float32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const y = tf.tidy(() => {
      const x = tf.tensor4d(pixels.subarray(start * per, (start + m) * per), [m, size, size, 3]);
      return l2Normalize(model.predict(x) as tf.Tensor2D);
    });
    const values = (await y.data()) as Float32Array;
    y.dispose();
    const dim = values.length / m;
    for (let i = 0; i < m; i++) out.push(values.slice(i * dim, (i + 1) * dim));
  }
  return out;
}

export async function trainStudent(
  train: readonly StudentSample[],
  validation: readonly StudentSample[],
  options: StudentTrainOptions = {},
): Promise<StudentTrainResult> {
  if (train.length === 0) throw new RangeError('trainStudent: no training samples');
  const o = {
    epochs: 30,
    batchSize: 64,
    learningRate: 2e-3,
    mimicWeight: 1,
    identityWeight: 0.1,
    relationWeight: 0,
    scale: 30,
    margin: 0.35,
    validationSizes: [12, 16],
    seed: 1,
    prototypes: 'trainable' as const,
    ...options,
  };
  if (o.mimicWeight <= 0 && o.identityWeight <= 0) {
    throw new RangeError('trainStudent: mimicWeight and identityWeight cannot both be 0');
  }
  const range: LowResRange = { minSize: 8, maxSize: 32, ...o.lowRes };
  const targets = normalizeRows(train.map((s) => s.target));
  const dim = targets[0].length;
  const student = o.initFrom
    ? await loadModelFromDir(o.initFrom)
    : createStudentNet({ ...o.network, embeddingDim: dim });
  const outDim = student.outputs[0]!.shape[1];
  if (outDim !== dim) {
    student.dispose();
    throw new RangeError(`trainStudent: ${o.initFrom} embeds ${outDim}-d vectors, the targets are ${dim}-d`);
  }
  const size = student.inputs[0].shape[1] as number;
  const { labels, numClasses } = remapLabels(train.map((s) => s.identity));
  const batchSize = Math.min(o.batchSize, train.length);
  const steps = stepsPerEpoch(train.length, batchSize);
  const useId = o.identityWeight > 0;
  const useMimic = o.mimicWeight > 0;
  const useRelation = o.relationWeight > 0;
  if (o.prototypes === 'frozen-targets' && !useMimic) {
    throw new RangeError(
      'trainStudent: frozen-targets prototypes come from the mimic targets; mimicWeight is 0',
    );
  }
  // Imprinted from the targets' class means when mimicking (both tasks then agree from step 0); random
  // for the no-mimic ablation so no teacher knowledge enters through the classifier.
  // tidy releases the initial value; the variable itself is not tracked by tidy.
  const classifier = useId
    ? tf.tidy(() =>
        tf.variable<tf.Rank.R2>(
          useMimic
            ? tf.tensor2d(imprintWeights(targets, labels, numClasses), [dim, numClasses])
            : tf.randomNormal([dim, numClasses], 0, 1, 'float32', 7),
          o.prototypes === 'trainable',
        ),
      )
    : undefined;
  const optimizer = tf.train.adam(o.learningRate);
  const vars = [...student.trainableWeights.map((w) => w.read() as tf.Variable)];
  if (classifier?.trainable) vars.push(classifier);

  const pairs = validationPairs(
    validation.map((s) => s.identity),
    1000,
    `${o.seed}:student-validation`,
  );
  const valGallery = normalizeRows(validation.map((s) => s.target));
  const valInputs = o.validationSizes.map((r) => ({
    r,
    pixels: packImages(
      lowResValidationChips(
        validation.map((s) => s.chip),
        r,
      ).map((c) => toStudentInput(c, size)),
      size,
    ),
  }));

  const batchFor = (step: number): Promise<Float32Array> => {
    const epoch = Math.floor(step / steps);
    const idx = batchIndices(train.length, batchSize, o.seed, STAGE, epoch, step % steps);
    return buildLowResBatch(
      idx.map((k) => train[k].chip),
      size,
      `${o.seed}:${STAGE}:step:${step}`,
      range,
      o.lowResOptions,
    );
  };
  let prefetch: { step: number; batch: Promise<Float32Array> } | undefined;
  let lastValidation: Record<string, number> = {};

  try {
    const { records, trainingSeconds } = await runTrainingLoop(
      {
        stage: STAGE,
        epochs: o.epochs,
        stepsPerEpoch: steps,
        learningRate: o.learningRate,
        warmupSteps: Math.min(steps, 200),
        checkpointDir: o.checkpointDir,
        checkpointEveryMinutes: o.checkpointEveryMinutes,
        resume: o.resume,
        progress: o.progress,
        onStep: o.onStep,
      },
      {
        optimizer,
        trainStep: async (step, epoch) => {
          const pixels = await (prefetch?.step === step ? prefetch.batch : batchFor(step));
          // Synthesise the next batch (JPEG runs in sharp's thread pool) while this step computes.
          if (step + 1 < o.epochs * steps) {
            const next = batchFor(step + 1);
            next.catch(() => undefined); // surfaced when awaited next step
            prefetch = { step: step + 1, batch: next };
          }
          const idx = batchIndices(train.length, batchSize, o.seed, STAGE, epoch, step % steps);
          const t = new Float32Array(idx.length * dim);
          idx.forEach((k, i) => t.set(targets[k], i * dim));
          const y = Int32Array.from(idx.map((k) => labels[k]));
          const terms = tf.tidy(() => {
            const x = tf.tensor4d(pixels, [idx.length, size, size, 3]);
            const tt = tf.tensor2d(t, [idx.length, dim]);
            const yt = tf.tensor1d(y, 'int32');
            let mimic: tf.Scalar = tf.scalar(0);
            let identity: tf.Scalar = tf.scalar(0);
            let relation: tf.Scalar = tf.scalar(0);
            const total = optimizer.minimize(
              () => {
                const e = student.apply(x, { training: true }) as tf.Tensor2D;
                const loss = studentLoss({ embeddings: e, targets: tt, labels: yt, classifier }, o);
                if (loss.mimic) mimic = tf.keep(loss.mimic);
                if (loss.identity) identity = tf.keep(loss.identity);
                if (loss.relation) relation = tf.keep(loss.relation);
                return loss.total;
              },
              true,
              vars,
            ) as tf.Scalar;
            const stacked = tf.stack([total, mimic, identity, relation]);
            tf.dispose([mimic, identity, relation]); // kept out of minimize's tidy; released here
            return stacked;
          });
          const [total, mimic, identity, relation] = await terms.data();
          terms.dispose();
          return {
            total,
            ...(useMimic ? { mimic } : {}),
            ...(useId ? { identity } : {}),
            ...(useRelation ? { relation } : {}),
          };
        },
        validate: async (): Promise<Record<string, number>> => {
          const metrics: Record<string, number> = {};
          if (pairs.length === 0) return metrics;
          for (const { r, pixels } of valInputs) {
            const probes = await embedPacked(student, pixels, size);
            metrics[`lr${r}`] = verificationAccuracy(probes, pairs);
            if (useMimic) metrics[`hrlr${r}`] = crossVerificationAccuracy(valGallery, probes, pairs);
          }
          lastValidation = metrics;
          return metrics;
        },
        saveState: async (dir) => {
          await saveModelToDir(student, `${dir}/student`);
          if (classifier) await saveNamedTensors(dir, 'classifier', { classifier });
          await saveOptimizerState(dir, 'optimizer', optimizer);
        },
        loadState: async (dir) => {
          await restoreModelState(dir, 'student', student);
          if (classifier) {
            const { classifier: c } = await loadNamedTensors(dir, 'classifier');
            classifier.assign(c as tf.Tensor2D);
            c.dispose();
          }
          await restoreOptimizerState(dir, 'optimizer', optimizer);
        },
      },
    );
    if (prefetch) await prefetch.batch.catch(() => undefined);
    return { student, records, trainingSeconds, validation: lastValidation };
  } catch (err) {
    student.dispose();
    throw err;
  } finally {
    classifier?.dispose();
    optimizer.dispose();
  }
}
