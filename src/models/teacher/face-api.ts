import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * The narrow slice of `@vladmandic/face-api` the teacher uses, typed locally: face-api bundles its own
 * copy of the tfjs type declarations, whose Tensor classes are not assignable to ours, while at run
 * time its node-wasm build `require`s the same `@tensorflow/tfjs` and shares our engine.
 */
export interface FaceApiPoint {
  readonly x: number;
  readonly y: number;
}
export interface FaceApiDetection {
  readonly score: number;
  readonly box: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
}
export interface FaceApiLandmarks {
  readonly positions: readonly FaceApiPoint[];
}
interface FaceApiNet {
  loadFromWeightMap(weightMap: tf.NamedTensorMap): void;
  dispose(throwOnRedispose?: boolean): void;
}
export interface FaceApiSsd extends FaceApiNet {
  locateFaces(
    input: tf.Tensor3D,
    options: { minConfidence: number; maxResults: number },
  ): Promise<FaceApiDetection[]>;
}
export interface FaceApiLandmarkNet extends FaceApiNet {
  detectLandmarks(input: tf.Tensor3D[]): Promise<FaceApiLandmarks[]>;
}
export interface FaceApiNetInput {
  readonly batchSize: number;
}
export interface FaceApiRecognitionNet extends FaceApiNet {
  /** Synchronous forward pass on a prepared batch (usable inside `tf.tidy`): [N, 128], not normalised. */
  forwardInput(input: FaceApiNetInput): tf.Tensor2D;
}
export interface FaceApiModule {
  readonly version: string;
  readonly SsdMobilenetv1: new () => FaceApiSsd;
  readonly FaceLandmark68Net: new () => FaceApiLandmarkNet;
  readonly FaceRecognitionNet: new () => FaceApiRecognitionNet;
  readonly NetInput: new (inputs: tf.Tensor3D[], treatAsBatchInput?: boolean) => FaceApiNetInput;
}

const require = createRequire(import.meta.url);

/** Directory of the models shipped inside the face-api package. */
export function defaultModelDir(): string {
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

let loaded: Promise<FaceApiModule> | undefined;

/** Loads face-api's node-wasm build once (it registers nothing and shares tfjs's global engine). */
export function loadFaceApi(): Promise<FaceApiModule> {
  loaded ??= import('@vladmandic/face-api/dist/face-api.node-wasm.js').then((m: object) => {
    const mod = ('default' in m ? m.default : m) as FaceApiModule;
    if (typeof mod.FaceRecognitionNet !== 'function')
      throw new Error('face-api module has no FaceRecognitionNet');
    return mod;
  });
  return loaded;
}

interface ManifestGroup {
  readonly paths: readonly string[];
  readonly weights: readonly tf.io.WeightsManifestEntry[];
}

/** A model's weights read from disk (`<name>-weights_manifest.json` + its shards), never from a URL. */
export interface LoadedWeights {
  readonly weightMap: tf.NamedTensorMap;
  /** Stored parameter count (sum of the weight shapes). */
  readonly params: number;
}

/** Reads and decodes `<dir>/<name>-weights_manifest.json` and its binary shards. */
export async function loadWeightsFromDisk(dir: string, name: string): Promise<LoadedWeights> {
  const manifestPath = join(dir, `${name}-weights_manifest.json`);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ManifestGroup[];
  const weightMap: tf.NamedTensorMap = {};
  let params = 0;
  for (const group of manifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(dir, p))));
    const bytes = Buffer.concat(shards);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    Object.assign(weightMap, tf.io.decodeWeights(buffer, [...group.weights]));
    for (const w of group.weights) params += w.shape.reduce((a, b) => a * b, 1);
  }
  return { weightMap, params };
}
