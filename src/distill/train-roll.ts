import * as tf from '@tensorflow/tfjs';
import { createRollNet, ROLL_INPUT } from '../detect/roll-net.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { packImages } from '../models/student/preprocess.ts';
import { registerWasmTrainingKernels } from '../runtime/wasm-training-kernels.ts';
import { log } from '../util/log.ts';
import { createRng } from '../util/random.ts';
import { netCheckpointHooks } from './checkpoint.ts';
import type { EpochRecord } from './history.ts';
import { renderRollSample, type RollSample, type RollSampleOptions } from './roll-samples.ts';
import { runTrainingLoop } from './trainer.ts';

/**
 * Trains the roll net on rolled, degraded crops of landmark-aligned faces (roll-samples.ts): Huber
 * loss on the angle in radians (δ 0.1 rad ≈ 6°: L1-like for the gross errors of a 10 px face, smooth
 * near the answer). Validation: mean absolute error in degrees on held-out identities at fixed sizes.
 */
export interface TrainRollOptions {
  /** Context chips (`rollContextChip`) of the training faces. */
  readonly train: readonly RgbImage[];
  /** Context chips of held-out identities. */
  readonly validation: readonly RgbImage[];
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  /** @defaultValue 64 */
  readonly batchSize?: number;
  /** @defaultValue 3e-3 */
  readonly learningRate?: number;
  readonly samples?: Omit<RollSampleOptions, 'inputSize'>;
  /** Face sizes (px) validation reports the error at. @defaultValue [12, 16, 24, 32] */
  readonly validationSizes?: readonly number[];
  /** Validation crops per size. @defaultValue 250 */
  readonly validationPerSize?: number;
  readonly seed?: number;
  readonly checkpointDir?: string;
  readonly checkpointEveryMinutes?: number;
  readonly resume?: boolean;
  readonly progress?: boolean;
}

const STAGE = 'roll';
const HUBER_DELTA = 0.1;

async function renderSamples(
  faces: readonly RgbImage[],
  seed: string,
  count: number,
  options: RollSampleOptions,
): Promise<RollSample[]> {
  const rng = createRng(seed);
  const jobs: Promise<RollSample>[] = [];
  for (let i = 0; i < count; i++) {
    const face = faces[rng.int(0, faces.length - 1)]!;
    jobs.push(renderRollSample(face, rng.fork(), options));
  }
  return Promise.all(jobs);
}

function toTensors(samples: readonly RollSample[]): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const n = samples.length;
  return {
    x: tf.tensor4d(
      packImages(
        samples.map((s) => s.image),
        ROLL_INPUT,
      ),
      [n, ROLL_INPUT, ROLL_INPUT, 3],
    ),
    y: tf.tensor2d(
      samples.map((s) => s.roll),
      [n, 1],
    ),
  };
}

/** Mean absolute error (degrees) of `net` on `samples`. */
export async function rollErrorDegrees(net: tf.LayersModel, samples: readonly RollSample[]): Promise<number> {
  const { x, y } = toTensors(samples);
  const pred = net.predict(x) as tf.Tensor2D;
  const mae = tf.mean(tf.abs(tf.sub(pred, y)));
  const [value] = await mae.data();
  tf.dispose([x, y, pred, mae]);
  return (value! * 180) / Math.PI;
}

export async function trainRollNet(
  o: TrainRollOptions,
): Promise<{ net: tf.LayersModel; records: EpochRecord[]; trainingSeconds: number }> {
  if (o.train.length === 0 || o.validation.length === 0) {
    throw new RangeError('roll training needs training and validation faces');
  }
  registerWasmTrainingKernels();
  const seed = o.seed ?? 1;
  const batchSize = o.batchSize ?? 64;
  const learningRate = o.learningRate ?? 3e-3;
  const sampleOptions: RollSampleOptions = { ...o.samples, inputSize: ROLL_INPUT };
  const sizes = o.validationSizes ?? [12, 16, 24, 32];
  const validation = await Promise.all(
    sizes.map((size) =>
      renderSamples(o.validation, `${seed}:${STAGE}:validation:${size}`, o.validationPerSize ?? 250, {
        ...sampleOptions,
        sizeRange: [size, size],
      }),
    ),
  );
  const net = createRollNet(seed);
  const optimizer = tf.train.adam(learningRate);
  try {
    const { records, trainingSeconds } = await runTrainingLoop(
      {
        stage: STAGE,
        epochs: o.epochs,
        stepsPerEpoch: o.stepsPerEpoch,
        learningRate,
        warmupSteps: Math.min(100, o.stepsPerEpoch),
        checkpointDir: o.checkpointDir,
        checkpointEveryMinutes: o.checkpointEveryMinutes,
        resume: o.resume,
        progress: o.progress,
      },
      {
        optimizer,
        trainStep: async (step) => {
          const samples = await renderSamples(o.train, `${seed}:${STAGE}:${step}`, batchSize, sampleOptions);
          const { x, y } = toTensors(samples);
          try {
            const loss = optimizer.minimize(
              () =>
                tf.losses.huberLoss(
                  y,
                  net.apply(x, { training: true }) as tf.Tensor2D,
                  undefined,
                  HUBER_DELTA,
                ),
              true,
            ) as tf.Scalar;
            const [total] = await loss.data();
            loss.dispose();
            return { total: total! };
          } finally {
            tf.dispose([x, y]);
          }
        },
        validate: async () => {
          const out: Record<string, number> = {};
          for (const [i, size] of sizes.entries()) {
            out[`mae_deg_${size}`] = await rollErrorDegrees(net, validation[i]!);
          }
          return out;
        },
        ...netCheckpointHooks(net, optimizer),
      },
    );
    log.info({ epochs: records.length, trainingSeconds }, 'roll net trained');
    return { net, records, trainingSeconds };
  } catch (err) {
    net.dispose();
    throw err;
  } finally {
    optimizer.dispose();
  }
}
