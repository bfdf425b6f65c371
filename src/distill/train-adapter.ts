import * as tf from '@tensorflow/tfjs';
import { log } from '../util/log.ts';
import { adaptEmbeddings, loadAdapter, saveAdapter } from '../models/adapter.ts';
import { createAdapterNet, type AdapterConfig } from './adapter.ts';
import { batchIndices, normalizeRows, remapLabels, stepsPerEpoch } from './batches.ts';
import {
  loadNamedTensors,
  restoreOptimizerState,
  saveNamedTensors,
  saveOptimizerState,
} from './checkpoint.ts';
import type { EpochRecord } from './history.ts';
import { cosFaceLoss, imprintWeights, similarityPreservingLoss } from './losses.ts';
import { runTrainingLoop, type LoopOptions } from './trainer.ts';
import { validationPairs, verificationAccuracy } from './validation.ts';

/**
 * Step 1, cross-dataset distillation: trains the feature adapter on cached teacher embeddings of the
 * public HR identities. Loss = CosFace(adapter(t), W) + λ · similarity-preserving(adapter(t), t).
 *
 * The CosFace term pulls each public identity together and apart from the others (transferring the
 * teacher to the public identities' distribution); the preserving term keeps the batch's pairwise cosine
 * geometry close to the teacher's so what the teacher knows about *unseen* faces survives. The adapter
 * starts at the identity map and W at the imprinted class means, so epoch 0 is exactly the teacher.
 */
export interface AdapterTrainOptions {
  /** @defaultValue 20 */
  readonly epochs?: number;
  /** @defaultValue 256 */
  readonly batchSize?: number;
  /** Adam peak learning rate, cosine-decayed. @defaultValue 1e-3 */
  readonly learningRate?: number;
  /** CosFace scale s. @defaultValue 30 */
  readonly scale?: number;
  /** CosFace margin m. @defaultValue 0.35 */
  readonly margin?: number;
  /**
   * λ of the similarity-preserving term. Its value is a mean squared cosine difference, so λ = 10 makes
   * a uniform drift of 0.1 in every pairwise cosine cost 0.1 nats, a tenth of a typical CosFace loss
   * change over training: the adapter may re-shape locally but not collapse or scatter the space.
   * @defaultValue 10
   */
  readonly preserveWeight?: number;
  readonly seed?: number | string;
  readonly network?: Partial<AdapterConfig>;
  readonly checkpointDir?: string;
  readonly checkpointEveryMinutes?: number;
  readonly resume?: boolean;
  readonly progress?: boolean;
  /** Called after every optimizer step with the global step and the loss terms. */
  readonly onStep?: (step: number, terms: Readonly<Record<string, number>>) => void;
}

export interface AdapterTrainResult {
  readonly adapter: tf.LayersModel;
  readonly records: EpochRecord[];
  readonly trainingSeconds: number;
}

interface EmbeddingSample {
  readonly identity: number;
  readonly teacher: Float32Array;
}

const STAGE = 'adapter';

export async function trainAdapter(
  train: readonly EmbeddingSample[],
  validation: readonly EmbeddingSample[],
  options: AdapterTrainOptions = {},
): Promise<AdapterTrainResult> {
  if (train.length === 0) throw new RangeError('trainAdapter: no training samples');
  const o = {
    epochs: 20,
    batchSize: 256,
    learningRate: 1e-3,
    scale: 30,
    margin: 0.35,
    preserveWeight: 10,
    seed: 1,
    ...options,
  };
  const dim = train[0].teacher.length;
  const teacher = normalizeRows(train.map((s) => s.teacher));
  const { labels, numClasses } = remapLabels(train.map((s) => s.identity));
  const batchSize = Math.min(o.batchSize, train.length);
  const steps = stepsPerEpoch(train.length, batchSize);

  const adapter = createAdapterNet({ inputDim: dim, outputDim: dim, ...o.network });
  // tidy releases the initial value; the variable itself is not tracked by tidy.
  const classifier = tf.tidy(() =>
    tf.variable(tf.tensor2d(imprintWeights(teacher, labels, numClasses), [dim, numClasses]), true),
  );
  const optimizer = tf.train.adam(o.learningRate);
  const vars = [...adapter.trainableWeights.map((w) => w.read() as tf.Variable), classifier];

  const valTeacher = normalizeRows(validation.map((s) => s.teacher));
  const pairs = validationPairs(
    validation.map((s) => s.identity),
    1000,
    `${o.seed}:adapter-validation`,
  );
  const teacherHr = verificationAccuracy(valTeacher, pairs);

  const loop: LoopOptions = {
    stage: STAGE,
    epochs: o.epochs,
    stepsPerEpoch: steps,
    learningRate: o.learningRate,
    checkpointDir: o.checkpointDir,
    checkpointEveryMinutes: o.checkpointEveryMinutes,
    resume: o.resume,
    progress: o.progress,
    onStep: o.onStep,
  };
  try {
    const { records, trainingSeconds } = await runTrainingLoop(loop, {
      optimizer,
      trainStep: async (step, epoch) => {
        const idx = batchIndices(train.length, batchSize, o.seed, STAGE, epoch, step % steps);
        const x = new Float32Array(idx.length * dim);
        idx.forEach((k, i) => x.set(teacher[k], i * dim));
        const y = Int32Array.from(idx.map((k) => labels[k]));
        const terms = tf.tidy(() => {
          const xt = tf.tensor2d(x, [idx.length, dim]);
          const yt = tf.tensor1d(y, 'int32');
          let parts: tf.Scalar[] = [];
          const total = optimizer.minimize(
            () => {
              const a = adapter.apply(xt, { training: true }) as tf.Tensor2D;
              const id = cosFaceLoss(a, classifier, yt, { scale: o.scale, margin: o.margin });
              const keep = similarityPreservingLoss(a, xt);
              parts = [tf.keep(id), tf.keep(keep)];
              return tf.add(id, tf.mul(keep, o.preserveWeight)) as tf.Scalar;
            },
            true,
            vars,
          ) as tf.Scalar;
          const stacked = tf.stack([total, ...parts]);
          tf.dispose(parts); // kept out of minimize's tidy; released here
          return stacked;
        });
        const [total, identity, preserve] = await terms.data();
        terms.dispose();
        return { total, identity, preserve };
      },
      validate: async (): Promise<Record<string, number>> => {
        if (validation.length === 0) return {};
        const adapted = await adaptEmbeddings(adapter, valTeacher);
        return { hr_adapter: verificationAccuracy(adapted, pairs), hr_teacher: teacherHr };
      },
      saveState: async (dir) => {
        await saveAdapter(adapter, `${dir}/adapter`);
        await saveNamedTensors(dir, 'classifier', { classifier });
        await saveOptimizerState(dir, 'optimizer', optimizer);
      },
      loadState: async (dir) => {
        const saved = await loadAdapter(`${dir}/adapter`);
        adapter.setWeights(saved.getWeights());
        saved.dispose();
        const { classifier: c } = await loadNamedTensors(dir, 'classifier');
        classifier.assign(c as tf.Tensor2D);
        c.dispose();
        await restoreOptimizerState(dir, 'optimizer', optimizer);
      },
    });
    log.info({ teacherHr, epochs: records.length }, 'adapter trained');
    return { adapter, records, trainingSeconds };
  } catch (err) {
    adapter.dispose();
    throw err;
  } finally {
    classifier.dispose();
    optimizer.dispose();
  }
}
