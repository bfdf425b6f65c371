import * as tf from '@tensorflow/tfjs';
import { matchDetections } from '../eval/detection-scoring.ts';
import { containsPoint } from '../image/box.ts';
import { decodeCentreHeatmap } from '../detect/small-face-decode.ts';
import {
  createSmallFaceNet,
  SMALL_FACE_REFERENCE_SIDE,
  SMALL_FACE_STRIDE,
  type SmallFaceNetConfig,
} from '../detect/small-face-net.ts';
import { registerWasmTrainingKernels } from '../runtime/wasm-training-kernels.ts';
import { createRng } from '../util/random.ts';
import { log } from '../util/log.ts';
import { netCheckpointHooks } from './checkpoint.ts';
import {
  detectorTargets,
  renderDetectorSample,
  type DetectorSample,
  type DetectorSampleSources,
} from './detector-samples.ts';
import type { EpochRecord } from './history.ts';
import { runTrainingLoop } from './trainer.ts';

/**
 * Trains the small-face detector (small-face-net.ts) on synthesised tiles (detector-samples.ts):
 * CenterNet's penalty-reduced focal loss on the face-centre heat map, L1 on the log size and the
 * sub-cell offset at face centres, each normalised by the number of faces in the batch.
 */
export interface TrainDetectorOptions {
  readonly train: DetectorSampleSources;
  readonly validation: DetectorSampleSources;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  /** @defaultValue 32 */
  readonly batchSize?: number;
  /** @defaultValue 96 */
  readonly tile?: number;
  /** @defaultValue 2e-3 */
  readonly learningRate?: number;
  /** Validation tiles (fixed, seeded). @defaultValue 256 */
  readonly validationTiles?: number;
  readonly network?: Partial<SmallFaceNetConfig>;
  readonly seed?: number;
  readonly checkpointDir?: string;
  readonly checkpointEveryMinutes?: number;
  readonly resume?: boolean;
  readonly progress?: boolean;
}

const STAGE = 'small-face-detector';
/** Weight of the size and offset terms against the heat map's. */
const SIZE_WEIGHT = 1;
const OFFSET_WEIGHT = 1;

/** The batch tensors of `detectorTargets`, stacked. */
export interface TargetTensors {
  readonly heat: tf.Tensor4D;
  readonly centre: tf.Tensor4D;
  readonly weight: tf.Tensor4D;
  readonly logSize: tf.Tensor4D;
  readonly offset: tf.Tensor4D;
}

/**
 * The loss of one batch: head [N, G, G, 4] against the targets ([N, G, G, 1], offset [N, G, G, 2]).
 * Returns [total, heat, size, offset] as scalars.
 */
export function smallFaceLoss(head: tf.Tensor4D, t: TargetTensors): tf.Scalar[] {
  return tf.tidy(() => {
    const [logit, size, offset] = tf.split(head, [1, 1, 2], 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const p = tf.sigmoid(logit);
    // log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z): stable for large |z|.
    const logP = tf.neg(tf.softplus(tf.neg(logit)));
    const log1mP = tf.neg(tf.softplus(logit));
    const pos = tf.mul(tf.mul(tf.square(tf.sub(1, p)), logP), t.centre);
    const negWeight = tf.mul(tf.pow(tf.sub(1, t.heat), 4), tf.sub(1, t.centre));
    const neg = tf.mul(tf.mul(tf.square(p), log1mP), negWeight);
    const faces = tf.maximum(tf.sum(t.centre), 1);
    const heat = tf.div(tf.neg(tf.sum(tf.mul(tf.add(pos, neg), t.weight))), faces) as tf.Scalar;
    const sizeL1 = tf.div(tf.sum(tf.mul(tf.abs(tf.sub(size, t.logSize)), t.centre)), faces) as tf.Scalar;
    const offsetL1 = tf.div(tf.sum(tf.mul(tf.abs(tf.sub(offset, t.offset)), t.centre)), faces) as tf.Scalar;
    const total = tf.addN([heat, tf.mul(sizeL1, SIZE_WEIGHT), tf.mul(offsetL1, OFFSET_WEIGHT)]) as tf.Scalar;
    return [total, heat, sizeL1, offsetL1];
  });
}

/** Stacks the samples' pixels and targets into tensors. */
export function batchTensors(samples: readonly DetectorSample[]): { x: tf.Tensor4D; targets: TargetTensors } {
  const T = samples[0]!.tile;
  const G = T / SMALL_FACE_STRIDE;
  const n = samples.length;
  const x = new Float32Array(n * T * T * 3);
  const heat = new Float32Array(n * G * G);
  const centre = new Float32Array(n * G * G);
  const weight = new Float32Array(n * G * G);
  const logSize = new Float32Array(n * G * G);
  const offset = new Float32Array(n * G * G * 2);
  samples.forEach((s, i) => {
    x.set(s.pixels, i * T * T * 3);
    const t = detectorTargets(s, SMALL_FACE_STRIDE, SMALL_FACE_REFERENCE_SIDE);
    heat.set(t.heat, i * G * G);
    centre.set(t.centre, i * G * G);
    weight.set(t.weight, i * G * G);
    logSize.set(t.logSize, i * G * G);
    offset.set(t.offset, i * G * G * 2);
  });
  const map = (a: Float32Array, c = 1): tf.Tensor4D => tf.tensor4d(a, [n, G, G, c]);
  return {
    x: tf.tensor4d(x, [n, T, T, 3]),
    targets: {
      heat: map(heat),
      centre: map(centre),
      weight: map(weight),
      logSize: map(logSize),
      offset: map(offset, 2),
    },
  };
}

async function renderBatch(
  sources: DetectorSampleSources,
  seed: string,
  count: number,
  tile: number,
): Promise<DetectorSample[]> {
  const out: DetectorSample[] = [];
  for (let i = 0; i < count; i++)
    out.push(await renderDetectorSample(sources, createRng(`${seed}:${i}`), { tile }));
  return out;
}

/** Validation: recall of labelled faces and false detections per tile at score 0.5, and the loss. */
async function validateNet(
  net: tf.LayersModel,
  tiles: readonly DetectorSample[],
): Promise<Record<string, number>> {
  let found = 0;
  let faces = 0;
  let falsePositives = 0;
  let loss = 0;
  const batch = 32;
  for (let i = 0; i < tiles.length; i += batch) {
    const part = tiles.slice(i, i + batch);
    const { x, targets } = batchTensors(part);
    const head = net.predict(x) as tf.Tensor4D;
    const [total, ...rest] = smallFaceLoss(head, targets);
    loss += (await total.data())[0]! * part.length;
    const raw = (await head.data()) as Float32Array;
    const G = part[0]!.tile / SMALL_FACE_STRIDE;
    const per = G * G * 4;
    part.forEach((s, k) => {
      const dets = decodeCentreHeatmap(raw.subarray(k * per, (k + 1) * per), {
        gridWidth: G,
        gridHeight: G,
        stride: SMALL_FACE_STRIDE,
        referenceSide: SMALL_FACE_REFERENCE_SIDE,
        scoreThreshold: 0.5,
      });
      const m = matchDetections(dets, s.faces);
      found += m.filter((t) => t >= 0).length;
      faces += s.faces.length;
      // Detections on ignored regions (faces outside the labelled sizes, teacher boxes) are not false.
      falsePositives += dets.filter(
        (d, j) =>
          m[j] === -1 &&
          !s.ignore.some((b) => containsPoint(b, d.box.x + d.box.width / 2, d.box.y + d.box.height / 2)),
      ).length;
    });
    tf.dispose([x, head, total, ...rest, ...Object.values(targets)]);
  }
  return {
    val_loss: loss / tiles.length,
    val_recall: faces > 0 ? found / faces : 0,
    val_fp_per_tile: falsePositives / tiles.length,
  };
}

export async function trainSmallFaceDetector(
  o: TrainDetectorOptions,
): Promise<{ net: tf.LayersModel; records: EpochRecord[]; trainingSeconds: number }> {
  registerWasmTrainingKernels();
  const seed = o.seed ?? 1;
  const batchSize = o.batchSize ?? 32;
  const tile = o.tile ?? 96;
  const net = createSmallFaceNet({ seed, ...o.network });
  const optimizer = tf.train.adam(o.learningRate ?? 2e-3);
  const valTiles = await renderBatch(
    o.validation,
    `${seed}:${STAGE}:validation`,
    o.validationTiles ?? 256,
    tile,
  );
  try {
    const { records, trainingSeconds } = await runTrainingLoop(
      {
        stage: STAGE,
        epochs: o.epochs,
        stepsPerEpoch: o.stepsPerEpoch,
        learningRate: o.learningRate ?? 2e-3,
        warmupSteps: Math.min(200, o.stepsPerEpoch),
        checkpointDir: o.checkpointDir,
        checkpointEveryMinutes: o.checkpointEveryMinutes,
        resume: o.resume,
        progress: o.progress,
      },
      {
        optimizer,
        trainStep: async (step) => {
          const samples = await renderBatch(o.train, `${seed}:${STAGE}:${step}`, batchSize, tile);
          const { x, targets } = batchTensors(samples);
          let parts: tf.Scalar[] = [];
          try {
            const total = optimizer.minimize(() => {
              const head = net.apply(x, { training: true }) as tf.Tensor4D;
              const [t, ...rest] = smallFaceLoss(head, targets);
              parts = rest.map((r) => tf.keep(r));
              return t;
            }, true) as tf.Scalar;
            const [totalV, heatV, sizeV, offsetV] = await Promise.all(
              [total, ...parts].map(async (s) => (await s.data())[0]!),
            );
            total.dispose();
            return { total: totalV!, heat: heatV!, size: sizeV!, offset: offsetV! };
          } finally {
            tf.dispose(parts);
            tf.dispose([x, ...Object.values(targets)]);
          }
        },
        validate: () => validateNet(net, valTiles),
        ...netCheckpointHooks(net, optimizer),
      },
    );
    log.info({ epochs: records.length, trainingSeconds }, 'small-face detector trained');
    return { net, records, trainingSeconds };
  } catch (err) {
    net.dispose();
    throw err;
  } finally {
    optimizer.dispose();
  }
}
