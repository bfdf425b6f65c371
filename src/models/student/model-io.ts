import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * Reads and writes tfjs layers models as a directory holding `model.json` + `weights.bin` (the standard
 * tfjs web format, one shard). The pure-JS `@tensorflow/tfjs` package registers no `file://` handler, so
 * this custom IOHandler is what every BridgeFace model on disk goes through.
 *
 * Optional weight quantisation happens here at save time: tfjs' loader already dequantises `float16`
 * and `uint8` manifests (the format the Python converter writes), so a quantised directory loads with
 * the same `loadModelFromDir` and yields float32 weights in memory.
 */
export type WeightQuantization = 'float32' | 'float16' | 'uint8';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface SaveModelOptions {
  /** Storage precision of float32 weights. @defaultValue `'float32'` */
  readonly quantization?: WeightQuantization;
  /** Free-form JSON stored as `userDefinedMetadata` in model.json (e.g. input size, preprocessing). */
  readonly metadata?: Record<string, unknown>;
}

/** float32 → IEEE half (round to nearest even; overflow → ±Inf, tiny → signed zero/subnormal). */
export function toFloat16Bits(value: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) !== 0)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is the correct rounding result.
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) !== 0)) half++;
  return sign | half;
}

function quantize(
  specs: readonly tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  mode: WeightQuantization,
): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  if (mode === 'float32') return { specs: [...specs], data };
  const outSpecs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = n * 4; // every weight we save is float32 or int32 (4 bytes)
    const slice = data.slice(offset, offset + bytes);
    offset += bytes;
    if (spec.dtype !== 'float32') {
      outSpecs.push({ ...spec });
      parts.push(new Uint8Array(slice));
      continue;
    }
    const values = new Float32Array(slice);
    if (mode === 'float16') {
      const q = new Uint16Array(n);
      for (let i = 0; i < n; i++) q[i] = toFloat16Bits(values[i]);
      outSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
      parts.push(new Uint8Array(q.buffer));
    } else {
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (n === 0) min = max = 0;
      const scale = max > min ? (max - min) / 255 : 1;
      const q = new Uint8Array(n);
      for (let i = 0; i < n; i++) q[i] = Math.round((values[i] - min) / scale);
      outSpecs.push({ ...spec, quantization: { dtype: 'uint8', min, scale } });
      parts.push(q);
    }
  }
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return { specs: outSpecs, data: out.buffer };
}

function weightBuffer(artifacts: tf.io.ModelArtifacts): ArrayBuffer {
  const wd = artifacts.weightData;
  if (wd === undefined) return new ArrayBuffer(0);
  return Array.isArray(wd) ? tf.io.concatenateArrayBuffers(wd) : wd;
}

/** An IOHandler whose `save` writes `dir/model.json` + `dir/weights.bin` (atomically: temp dir + rename). */
export function dirSaveHandler(dir: string, options: SaveModelOptions = {}): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      const { specs, data } = quantize(
        artifacts.weightSpecs ?? [],
        weightBuffer(artifacts),
        options.quantization ?? 'float32',
      );
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
        userDefinedMetadata: options.metadata ?? artifacts.userDefinedMetadata,
      };
      const tmp = `${dir}.tmp-${process.pid}`;
      await rm(tmp, { recursive: true, force: true });
      await mkdir(tmp, { recursive: true });
      await writeFile(join(tmp, MODEL_JSON), JSON.stringify(modelJson));
      await writeFile(join(tmp, WEIGHTS_BIN), new Uint8Array(data));
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** An IOHandler whose `load` reads a directory written by `dirSaveHandler` (or tfjs' converter, 1 shard+). */
export function dirLoadHandler(dir: string): tf.io.IOHandler {
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(
          manifest
            .flatMap((group) => group.paths)
            .map(async (p) => {
              const b = await readFile(join(dir, p));
              return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
            }),
        );
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** Saves a layers model to `dir` (replacing it). */
export async function saveModelToDir(
  model: tf.LayersModel,
  dir: string,
  options: SaveModelOptions = {},
): Promise<void> {
  await model.save(dirSaveHandler(dir, options));
}

/** Loads a layers model from `dir`. */
export function loadModelFromDir(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(dirLoadHandler(dir));
}

/** Bytes of model.json + weights.bin in `dir`. */
export async function modelSizeOnDisk(dir: string): Promise<number> {
  const [a, b] = await Promise.all([stat(join(dir, MODEL_JSON)), stat(join(dir, WEIGHTS_BIN))]);
  return a.size + b.size;
}

/**
 * A freshly trained model's directory: `dir` replaced by the model and the given text files beside it
 * (e.g. `training.json`, `MODEL_CARD.md`).
 */
export async function writeTrainedModelDir(
  dir: string,
  model: tf.LayersModel,
  files: Readonly<Record<string, string>>,
): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await saveModelToDir(model, dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}
