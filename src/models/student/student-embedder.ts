import * as tf from '@tensorflow/tfjs';
import { randomRgbImages, type RgbImage } from '../../image/rgb-image.ts';
import { initBackend } from '../../runtime/backend.ts';
import { foldBatchNorm as foldBatchNormPass } from '../../runtime/fold-batch-norm.ts';
import { fuseChain, UnsupportedLayerError, type FusedChain } from '../../runtime/fused-chain.ts';
import { adoptNativeChain, type NativeChain, type NativeMode } from '../../runtime/native-chain.ts';
import type { FaceEmbedder } from '../embedder.ts';
import { loadModelFromDir, saveModelToDir, type WeightQuantization } from './model-io.ts';
import { packImages, toStudentInput } from './preprocess.ts';

/**
 * The distilled LR student as a FaceEmbedder: chips of any size are brought to the input size (area
 * when shrinking, bilinear when enlarging), embedded in batches and L2-normalised.
 *
 * Batch norm for inference: by default the loaded graph is rewritten by runtime/fold-batch-norm.ts with
 * every BN merged into the preceding conv (14 fewer layers for the default student, the same maths as BN
 * in inference mode: max |Δ| ≈ 1e-8 measured). `params` stays the stored (trained) count. The folded
 * chain then runs as fused ops (runtime/fused-chain.ts: bias and PReLU inside each conv kernel; the
 * forward pass ~2x, a whole embed() 1.0-1.3x faster on wasm); models it cannot fuse keep the graph.
 *
 * A loaded student runs on oneDNN's native CPU kernels instead where the optional addon is built
 * (runtime/native-chain.ts; BRIDGEFACE_NATIVE, 3-4x faster per core than wasm), after checking
 * on random crops that both runtimes give the same embeddings.
 */
export type BatchNormFolder = (model: tf.LayersModel) => tf.LayersModel | Promise<tf.LayersModel>;

export interface StudentEmbedderOptions {
  /** Name reported by the embedder. @defaultValue `'student'` */
  readonly name?: string;
  /**
   * Folds BN into convs after loading (the returned model replaces the loaded one); `false` keeps the
   * BN layers. @defaultValue runtime/fold-batch-norm.ts' `foldBatchNorm`
   */
  readonly foldBatchNorm?: BatchNormFolder | false;
  /** Parameter count to report (e.g. of the model before folding). @defaultValue the model's count */
  readonly params?: number;
  /** Chips per forward pass. @defaultValue 64 */
  readonly batchSize?: number;
  /** Run the model as fused ops when it is a supported chain. @defaultValue true */
  readonly fuse?: boolean;
}

export interface LoadStudentOptions extends StudentEmbedderOptions {
  /**
   * Native runtime: `auto` uses it where the addon is built and the tfjs backend is not a GPU, `on`
   * requires it, `off` keeps tfjs. @defaultValue BRIDGEFACE_NATIVE, else `auto`
   */
  readonly native?: NativeMode;
  /** Threads of the native runtime. @defaultValue BRIDGEFACE_NATIVE_THREADS, else 1 */
  readonly nativeThreads?: number;
}

/** Largest |Δ| between the native and tfjs embeddings (unit vectors) accepted by the load-time check. */
export const NATIVE_PARITY_TOLERANCE = 1e-4;

/** Which runtime computes a student's embeddings. */
export type StudentRuntime = 'onednn' | 'tfjs';

export class StudentEmbedder implements FaceEmbedder {
  readonly name: string;
  readonly dim: number;
  readonly inputSize: number;
  readonly params: number;
  private readonly batchSize: number;
  /** The fused op sequence, or undefined when the model has layers it cannot fuse. */
  private readonly fused: FusedChain | undefined;
  /** The native chain, once useNative() has checked it. */
  private native: NativeChain | undefined;
  private disposed = false;

  constructor(
    private readonly model: tf.LayersModel,
    options: StudentEmbedderOptions = {},
  ) {
    const inShape = model.inputs[0].shape;
    const outShape = model.outputs[0].shape;
    if (inShape.length !== 4 || inShape[1] !== inShape[2] || inShape[3] !== 3 || outShape.length !== 2) {
      throw new RangeError(
        `student model must map [N,s,s,3] to [N,D], got ${JSON.stringify(inShape)} → ${JSON.stringify(outShape)}`,
      );
    }
    this.name = options.name ?? 'student';
    this.inputSize = inShape[1] as number;
    this.dim = outShape[1] as number;
    this.params = options.params ?? model.countParams();
    this.batchSize = options.batchSize ?? 64;
    this.fused = options.fuse === false ? undefined : tryFuse(model);
  }

  /** Whether inference runs as fused ops (false: through the tf.layers graph). */
  get isFused(): boolean {
    return this.fused !== undefined;
  }

  /** Where embeddings are computed: oneDNN's native kernels or tfjs' backend. */
  get runtime(): StudentRuntime {
    return this.native ? 'onednn' : 'tfjs';
  }

  /** Threads of the native runtime (undefined on tfjs). */
  get nativeThreads(): number | undefined {
    return this.native?.threads;
  }

  /**
   * Moves inference onto `chain` after checking it against the tfjs path on random crops (max |Δ| ≤
   * NATIVE_PARITY_TOLERANCE); on a mismatch the chain is disposed and an Error says by how much.
   */
  async useNative(chain: NativeChain): Promise<void> {
    try {
      if (chain.inputHeight !== this.inputSize || chain.inputWidth !== this.inputSize || chain.dim !== this.dim) {
        throw new Error(`native chain maps ${chain.inputHeight}x${chain.inputWidth} px to ${chain.dim}-d, the model ${this.inputSize} px to ${this.dim}-d`);
      }
      const crops = randomRgbImages(32, this.inputSize, 'native-parity');
      const expected = await this.embed(crops);
      this.native = chain;
      const got = await this.embed(crops);
      const delta = Math.max(...got.map((v, i) => v.reduce((m, x, j) => Math.max(m, Math.abs(x - expected[i][j])), 0)));
      if (!(delta <= NATIVE_PARITY_TOLERANCE)) {
        throw new Error(`native embeddings differ from tfjs' by up to ${delta.toExponential(2)} (> ${NATIVE_PARITY_TOLERANCE})`);
      }
    } catch (err) {
      this.native = undefined;
      chain.dispose();
      throw err;
    }
  }

  async embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    if (this.disposed) throw new Error(`embedder ${this.name} is disposed`);
    const s = this.inputSize;
    const out: Float32Array[] = [];
    for (let start = 0; start < chips.length; start += this.batchSize) {
      const batch = chips.slice(start, start + this.batchSize).map((c) => toStudentInput(c, s));
      const pixels = packImages(batch, s);
      if (this.native) {
        const raw = await this.native.run(pixels, batch.length);
        for (let i = 0; i < batch.length; i++) out.push(l2Normalised(raw.subarray(i * this.dim, (i + 1) * this.dim)));
        continue;
      }
      const y = tf.tidy(() => {
        const x = tf.tensor4d(pixels, [batch.length, s, s, 3]);
        const e = this.fused ? this.fused.predict(x) : (this.model.predict(x) as tf.Tensor2D);
        return tf.div(e, tf.add(tf.norm(e, 'euclidean', 1, true), 1e-12));
      });
      const values = (await y.data()) as Float32Array;
      y.dispose();
      for (let i = 0; i < batch.length; i++) out.push(values.slice(i * this.dim, (i + 1) * this.dim));
    }
    return out;
  }

  /** The wrapped model (for export); owned by the embedder. */
  get layersModel(): tf.LayersModel {
    return this.model;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.native?.dispose();
    this.fused?.dispose();
    this.model.dispose();
  }
}

/** v / (‖v‖ + 1e-12), as the tfjs path computes it. */
function l2Normalised(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const scale = 1 / (Math.sqrt(sum) + 1e-12);
  return v.map((x) => x * scale);
}

function tryFuse(model: tf.LayersModel): FusedChain | undefined {
  try {
    return fuseChain(model);
  } catch (err) {
    if (err instanceof UnsupportedLayerError) return undefined;
    throw err;
  }
}

/**
 * Loads a student directory (model.json + weights.bin, float32 or quantised) as a FaceEmbedder, on the
 * native runtime where `native` allows and it is available (see LoadStudentOptions).
 */
export async function loadStudentEmbedder(dir: string, options: LoadStudentOptions = {}): Promise<StudentEmbedder> {
  await initBackend();
  let model = await loadModelFromDir(dir);
  const params = options.params ?? model.countParams();
  const fold = options.foldBatchNorm ?? foldBatchNormPass;
  if (fold) {
    const folded = await fold(model);
    if (folded !== model) model.dispose();
    model = folded;
  }
  const embedder = new StudentEmbedder(model, { ...options, params });
  try {
    await adoptNativeChain(embedder.layersModel, 'students', (chain) => embedder.useNative(chain), {
      ...(options.native ? { mode: options.native } : {}),
      ...(options.nativeThreads ? { threads: options.nativeThreads } : {}),
    });
  } catch (err) {
    embedder.dispose();
    throw err;
  }
  return embedder;
}

/** Writes a reduced-precision copy of a student (float16 halves the file; uint8 quarters it). */
export async function exportQuantizedStudent(
  model: tf.LayersModel,
  dir: string,
  quantization: Exclude<WeightQuantization, 'float32'> = 'float16',
  metadata: Record<string, unknown> = {},
): Promise<void> {
  await saveModelToDir(model, dir, { quantization, metadata: { ...metadata, quantization } });
}
