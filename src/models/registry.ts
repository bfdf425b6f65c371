import * as tf from '@tensorflow/tfjs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resizeArea, resizeBilinear } from '../image/resize.ts';
import { assertRgbImage, type RgbImage } from '../image/rgb-image.ts';
import { initBackend } from '../runtime/backend.ts';
import type { FaceEmbedder } from './embedder.ts';
import { loadModelFromDir } from './student/model-io.ts';
import { createTeacher, type FaceApiTeacher } from './teacher/index.ts';

/**
 * Picks a face model by name so callers never branch on the model type:
 * - `teacher`: the face-api HR teacher (also the aligner);
 * - `student`: the shipped student, a tfjs LayersModel in `<repo>/models/student/model.json`;
 * - any other string: a directory (or its model.json) holding a LayersModel in the same format.
 *
 * LayersModel contract (that of student/architecture.ts): input `[batch, s, s, 3]` float32 RGB in
 * 0..255 — any rescaling is a layer inside the model, so the file alone defines the preprocessing —
 * and output `[batch, dim]`; the wrapper resizes chips to `s` and L2-normalises the output. Files are
 * read by student/model-io.ts (model.json + weights, no tfjs-node `file://` handler needed).
 */
export type EmbedderSpec = 'teacher' | 'student' | (string & {});

/** Raised when a model's files are missing or unusable; the message names the path. */
export class ModelLoadError extends Error {
  readonly code = 'MODEL_LOAD_FAILED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelLoadError';
  }
}

/** `<repo>/models/student`: where the trained student's weights are shipped. */
export function defaultStudentDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'student');
}

export function createEmbedder(spec: 'teacher'): Promise<FaceApiTeacher>;
export function createEmbedder(spec: EmbedderSpec): Promise<FaceEmbedder>;
export async function createEmbedder(spec: EmbedderSpec): Promise<FaceEmbedder> {
  if (spec === 'teacher') return createTeacher();
  if (spec === 'student') return loadLayersEmbedder(defaultStudentDir(), 'student');
  return loadLayersEmbedder(spec);
}

/** Resolves a model directory (or its model.json) to the directory, with errors naming the path. */
async function modelDir(path: string, name: string | undefined): Promise<string> {
  const abs = resolve(path);
  const info = await stat(abs).catch(() => null);
  const dir = info?.isFile() && basename(abs) === 'model.json' ? dirname(abs) : abs;
  if (info?.isFile() && dir === abs) {
    throw new ModelLoadError(`model path ${abs} is a file; expected a directory holding model.json`);
  }
  if (!(await stat(join(dir, 'model.json')).catch(() => null))) {
    const what =
      name === 'student'
        ? 'student weights not found (train and export the student first)'
        : info
          ? 'not a model directory'
          : 'unknown model (expected teacher, student or a model directory)';
    throw new ModelLoadError(`${what}: ${join(dir, 'model.json')} does not exist`);
  }
  return dir;
}

/** Loads a LayersModel from a directory (or its model.json) and wraps it as a FaceEmbedder. */
export async function loadLayersEmbedder(path: string, name?: string): Promise<FaceEmbedder> {
  const dir = await modelDir(path, name);
  const jsonPath = join(dir, 'model.json');
  await initBackend();
  let model: tf.LayersModel;
  try {
    model = await loadModelFromDir(dir);
  } catch (err) {
    throw new ModelLoadError(`cannot load ${jsonPath}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return new LayersEmbedder(model, name ?? basename(dir), jsonPath);
}

/** Chips per forward pass: bounds activation memory on small machines. */
const BATCH = 64;

class LayersEmbedder implements FaceEmbedder {
  readonly inputSize: number;
  readonly dim: number;
  readonly params: number;
  private disposed = false;

  constructor(
    private readonly model: tf.LayersModel,
    readonly name: string,
    source: string,
  ) {
    const inShape = model.inputs[0]?.shape;
    const outShape = model.outputs[0]?.shape;
    if (
      model.inputs.length !== 1 ||
      !inShape ||
      inShape.length !== 4 ||
      inShape[3] !== 3 ||
      inShape[1] !== inShape[2] ||
      !inShape[1]
    ) {
      model.dispose();
      throw new ModelLoadError(
        `${source}: expected one input of shape [batch, s, s, 3], got ${JSON.stringify(inShape)}`,
      );
    }
    if (model.outputs.length !== 1 || !outShape || outShape.length !== 2 || !outShape[1]) {
      model.dispose();
      throw new ModelLoadError(
        `${source}: expected one output of shape [batch, dim], got ${JSON.stringify(outShape)}`,
      );
    }
    this.inputSize = inShape[1];
    this.dim = outShape[1];
    this.params = model.countParams();
  }

  /** Area filter when shrinking (bilinear would alias), bilinear when enlarging. */
  private toInput(chip: RgbImage): RgbImage {
    assertRgbImage(chip, 'chip');
    const s = this.inputSize;
    if (chip.width === s && chip.height === s) return chip;
    return chip.width > s ? resizeArea(chip, s, s) : resizeBilinear(chip, s, s);
  }

  async embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    if (this.disposed) throw new Error(`embedder ${this.name} is disposed`);
    const out: Float32Array[] = [];
    const s = this.inputSize;
    for (let start = 0; start < chips.length; start += BATCH) {
      const batch = chips.slice(start, start + BATCH).map((c) => this.toInput(c));
      const pixels = new Float32Array(batch.length * s * s * 3);
      batch.forEach((c, i) => {
        const base = i * s * s * 3;
        pixels.set(c.data, base);
      });
      const result = tf.tidy(() => {
        const y = this.model.predict(tf.tensor4d(pixels, [batch.length, s, s, 3])) as tf.Tensor2D;
        // The epsilon keeps an all-zero output finite instead of NaN.
        return y.div(y.norm('euclidean', 1, true).add(1e-12));
      });
      const flat = (await result.data()) as Float32Array;
      result.dispose();
      for (let i = 0; i < batch.length; i++) out.push(flat.slice(i * this.dim, (i + 1) * this.dim));
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}
