import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModelFromDir, saveModelToDir } from '../models/student/model-io.ts';

/**
 * Named tensors on disk (optimizer slots, classifier weights) as `<name>.json` (tfjs weight specs) +
 * `<name>.bin`, and atomic checkpoint directories: everything is written to `<dir>.tmp-<pid>` and renamed
 * over `<dir>` only when complete, so a crash mid-write leaves the previous checkpoint intact.
 */
export async function saveNamedTensors(dir: string, name: string, tensors: tf.NamedTensorMap): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  await writeFile(join(dir, `${name}.json`), JSON.stringify(specs));
  await writeFile(join(dir, `${name}.bin`), new Uint8Array(buffer));
}

/** Reads tensors written by `saveNamedTensors`; the caller owns (disposes) them. */
export async function loadNamedTensors(dir: string, name: string): Promise<tf.NamedTensorMap> {
  const specs = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as tf.io.WeightsManifestEntry[];
  const b = await readFile(join(dir, `${name}.bin`));
  return tf.io.decodeWeights(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, specs);
}

/** Writes a checkpoint through `write(tmpDir)` and atomically replaces `dir` with it. */
export async function writeCheckpointDir(
  dir: string,
  write: (tmpDir: string) => Promise<void>,
): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await write(tmp);
  const old = `${dir}.old-${process.pid}`;
  const hadOld = await exists(dir);
  if (hadOld) await rename(dir, old);
  await rename(tmp, dir);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

export async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/**
 * Saves the optimizer slots (Adam moments + iteration count) in a stable order as `<name>.json/.bin`.
 * `getWeights` returns the live slot variables (not copies) plus a fresh iteration scalar, which is
 * the only tensor released here.
 */
export async function saveOptimizerState(dir: string, name: string, optimizer: tf.Optimizer): Promise<void> {
  const weights = await optimizer.getWeights();
  const map: tf.NamedTensorMap = {};
  weights.forEach((w, i) => {
    map[`${String(i).padStart(4, '0')}:${w.name}`] = w.tensor;
  });
  try {
    await saveNamedTensors(dir, name, map);
  } finally {
    weights.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
  }
}

/** Restores slots saved by `saveOptimizerState`. */
export async function restoreOptimizerState(
  dir: string,
  name: string,
  optimizer: tf.Optimizer,
): Promise<void> {
  const map = await loadNamedTensors(dir, name);
  const named = Object.keys(map)
    .sort()
    .map((key) => ({ name: key.slice(key.indexOf(':') + 1), tensor: map[key] }));
  // setWeights copies the moments into new variables; the decoded tensors are released after.
  await optimizer.setWeights(named);
  tf.dispose(Object.values(map));
}

/** Copies the weights a checkpoint holds in the model directory `<dir>/<name>` into `model`. */
export async function restoreModelState(dir: string, name: string, model: tf.LayersModel): Promise<void> {
  const saved = await loadModelFromDir(join(dir, name));
  try {
    model.setWeights(saved.getWeights());
  } finally {
    saved.dispose();
  }
}

/** Checkpoint hooks of a stage that trains one net with one optimizer (`net/` + `optimizer.*`). */
export function netCheckpointHooks(
  net: tf.LayersModel,
  optimizer: tf.Optimizer,
): { saveState(dir: string): Promise<void>; loadState(dir: string): Promise<void> } {
  return {
    saveState: async (dir) => {
      await saveModelToDir(net, join(dir, 'net'));
      await saveOptimizerState(dir, 'optimizer', optimizer);
    },
    loadState: async (dir) => {
      await restoreModelState(dir, 'net', net);
      await restoreOptimizerState(dir, 'optimizer', optimizer);
    },
  };
}
