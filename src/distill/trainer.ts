import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import * as tf from '@tensorflow/tfjs';
import { log } from '../util/log.ts';
import { exists, writeCheckpointDir } from './checkpoint.ts';
import type { EpochRecord } from './history.ts';

/**
 * The training loop every distillation stage shares: epochs of steps, cosine learning-rate decay,
 * per-epoch loss means and validation, a progress bar on stderr, time-based checkpoints and resume.
 *
 * Reproducibility and resume: a stage draws all randomness from `seed` + the global step (batch order
 * from `seed` + epoch), never from a running generator, so resuming at step k replays exactly the
 * batches and augmentations an uninterrupted run would have seen from step k on.
 */
export interface LoopOptions {
  /** Stage name for logs, history and the checkpoint folder. */
  readonly stage: string;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  /** Peak learning rate. */
  readonly learningRate: number;
  /** Steps of linear warm-up before the cosine decay. @defaultValue 0 */
  readonly warmupSteps?: number;
  /** Floor of the cosine decay as a fraction of the peak. @defaultValue 0.01 */
  readonly minLearningRateFactor?: number;
  /** Checkpoint root; the stage writes `<dir>/<stage>/`. No checkpoints when absent. */
  readonly checkpointDir?: string;
  /** Minutes between checkpoints (also written at the end of every epoch's validation when due). @defaultValue 10 */
  readonly checkpointEveryMinutes?: number;
  /** Continue from `<checkpointDir>/<stage>/` when it exists. @defaultValue false */
  readonly resume?: boolean;
  /** Show a cli-progress bar on stderr. @defaultValue process.stderr.isTTY */
  readonly progress?: boolean;
  /** Called after every optimizer step (e.g. to watch `tf.memory()` in tests). */
  readonly onStep?: (step: number, terms: Readonly<Record<string, number>>) => void;
}

/** What a stage plugs into the loop. */
export interface StageHooks {
  /** The optimizer whose learning rate the loop schedules. */
  readonly optimizer: tf.Optimizer;
  /** One optimizer step on the batch for global step `step`; returns the loss terms (incl. `total`). */
  trainStep(step: number, epoch: number): Promise<Record<string, number>>;
  /** Validation metrics after an epoch. */
  validate(epoch: number): Promise<Record<string, number>>;
  /** Writes model/optimizer/classifier state into `dir` (an empty folder). */
  saveState(dir: string): Promise<void>;
  /** Restores what `saveState` wrote. */
  loadState(dir: string): Promise<void>;
}

interface LoopState {
  readonly step: number;
  readonly elapsedMs: number;
  readonly records: EpochRecord[];
  /** Loss sums of the partly done epoch (so a mid-epoch resume reports the same epoch mean). */
  readonly partial: { readonly sums: Record<string, number>; readonly count: number };
}

/** Cosine decay with optional linear warm-up; `step` is 0-based. */
export function cosineLearningRate(
  step: number,
  totalSteps: number,
  peak: number,
  warmupSteps = 0,
  minFactor = 0.01,
): number {
  if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const t = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  return peak * (minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/**
 * tfjs optimizers keep the learning rate in a protected field read on every `applyGradients`; there is no
 * public setter, so the schedule writes the field directly (checked against tfjs 4.22).
 */
function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

const STATE_FILE = 'loop-state.json';

/** Runs (or resumes) a stage; returns its epoch records and the training seconds it took. */
export async function runTrainingLoop(
  options: LoopOptions,
  hooks: StageHooks,
): Promise<{ records: EpochRecord[]; trainingSeconds: number; resumedFromStep: number }> {
  const totalSteps = options.epochs * options.stepsPerEpoch;
  const ckptDir = options.checkpointDir ? join(options.checkpointDir, options.stage) : undefined;
  const everyMs = (options.checkpointEveryMinutes ?? 10) * 60_000;
  let state: LoopState = { step: 0, elapsedMs: 0, records: [], partial: { sums: {}, count: 0 } };
  if (ckptDir && options.resume && (await exists(join(ckptDir, STATE_FILE)))) {
    state = JSON.parse(await readFile(join(ckptDir, STATE_FILE), 'utf8')) as LoopState;
    await hooks.loadState(ckptDir);
    log.info({ stage: options.stage, step: state.step }, `resuming ${options.stage} from step ${state.step}`);
  }
  const resumedFromStep = state.step;
  const records = [...state.records];
  let sums: Record<string, number> = { ...state.partial.sums };
  let count = state.partial.count;
  let step = state.step;
  const startedAt = Date.now() - state.elapsedMs;
  let lastCheckpoint = Date.now();

  const checkpoint = async (): Promise<void> => {
    if (!ckptDir) return;
    await mkdir(options.checkpointDir as string, { recursive: true });
    const snapshot: LoopState = {
      step,
      elapsedMs: Date.now() - startedAt,
      records,
      partial: { sums, count },
    };
    await writeCheckpointDir(ckptDir, async (tmp) => {
      await hooks.saveState(tmp);
      await writeFile(join(tmp, STATE_FILE), JSON.stringify(snapshot));
    });
    lastCheckpoint = Date.now();
    log.debug({ stage: options.stage, step }, 'checkpoint written');
  };

  const showBar = options.progress ?? process.stderr.isTTY === true;
  const bar = showBar
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${options.stage} [{bar}] {value}/{total} | epoch {epoch} | loss {loss} | {eta_formatted} left`,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(totalSteps, step, { epoch: Math.floor(step / options.stepsPerEpoch) + 1, loss: '-' });
  try {
    while (step < totalSteps) {
      const epoch = Math.floor(step / options.stepsPerEpoch);
      const lr = cosineLearningRate(
        step,
        totalSteps,
        options.learningRate,
        options.warmupSteps ?? 0,
        options.minLearningRateFactor ?? 0.01,
      );
      setLearningRate(hooks.optimizer, lr);
      const terms = await hooks.trainStep(step, epoch);
      for (const [k, v] of Object.entries(terms)) {
        if (!Number.isFinite(v)) throw new Error(`${options.stage}: loss term ${k} is ${v} at step ${step}`);
        sums[k] = (sums[k] ?? 0) + v;
      }
      count++;
      step++;
      options.onStep?.(step, terms);
      bar?.update(step, { epoch: epoch + 1, loss: (terms.total ?? NaN).toFixed(4) });
      if (step % options.stepsPerEpoch === 0) {
        const loss = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));
        const validation = await hooks.validate(epoch + 1);
        const record: EpochRecord = {
          stage: options.stage,
          epoch: epoch + 1,
          step,
          learningRate: lr,
          loss,
          validation,
          elapsedS: (Date.now() - startedAt) / 1000,
        };
        records.push(record);
        log.info(record, `${options.stage} epoch ${epoch + 1}/${options.epochs}`);
        sums = {};
        count = 0;
      }
      if (ckptDir && (Date.now() - lastCheckpoint >= everyMs || step === totalSteps)) await checkpoint();
    }
  } finally {
    bar?.stop();
  }
  return { records, trainingSeconds: (Date.now() - startedAt) / 1000, resumedFromStep };
}
