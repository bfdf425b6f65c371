import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { nativeSetting, nativeThreadsSetting, parseIntegerSetting } from '../config/environment.ts';
import { log } from '../util/log.ts';
import { initBackend } from './backend.ts';
import { chainSteps, UnsupportedLayerError, type ChainStep } from './chain-steps.ts';

/**
 * Chain-shaped conv nets (runtime/chain-steps.ts: the students, the small-face detector) on oneDNN's
 * native CPU kernels (native/onednn-chain, a small N-API addon over Debian's libdnnl). tfjs' wasm
 * backend is limited to 128-bit SIMD without fused multiply-add; oneDNN generates its kernels at run
 * time for the host (AVX2 with FMA, AVX-512 where present), the same library PyTorch's CPU
 * convolutions use. That is where the embedding speed limit lay (docs/BENCHMARKS.md, issue 13). The
 * teacher and everything else stay on tfjs.
 *
 * The addon is optional: `npm install` builds it where Debian's libdnnl-dev is installed and carries on
 * without it (`npm run build:native` rebuilds it and fails loudly). Whether a model uses it is
 * BRIDGEFACE_NATIVE (`auto`, `on` or `off`, adoptNativeChain below); each use is first checked against
 * the tfjs path by its owner (models/student/student-embedder.ts, detect/tile-nets.ts).
 */
export type NativeMode = 'auto' | 'on' | 'off';

export const NATIVE_MODES: readonly NativeMode[] = ['auto', 'on', 'off'];

/** Parses BRIDGEFACE_NATIVE: unset/empty is `auto`. */
export function parseNativeMode(value: string | undefined): NativeMode {
  if (value === undefined || value === '') return 'auto';
  if ((NATIVE_MODES as readonly string[]).includes(value)) return value as NativeMode;
  throw new Error(`BRIDGEFACE_NATIVE=${value} is not one of: ${NATIVE_MODES.join(', ')}`);
}

/** Most threads BRIDGEFACE_NATIVE_THREADS accepts. */
export const MAX_NATIVE_THREADS = 64;

/** Parses BRIDGEFACE_NATIVE_THREADS: unset/empty is 1 (one embed worker per core scales best). */
export function parseNativeThreads(value: string | undefined): number {
  return parseIntegerSetting('BRIDGEFACE_NATIVE_THREADS', value, 1, 1, MAX_NATIVE_THREADS);
}

/** An opaque handle owned by the addon. */
type Handle = { readonly __nativeChain: unique symbol };

interface Addon {
  createChain(
    height: number,
    width: number,
    channels: number,
    scale: number,
    offset: number,
    threads: number,
    meta: Uint32Array,
    tensors: Float32Array[],
  ): Handle;
  run(chain: Handle, pixels: Float32Array, n: number, height: number, width: number): Promise<Float32Array>;
  dispose(chain: Handle): void;
}

/** Where `npm run build:native` puts the addon. */
export const NATIVE_ADDON_PATH = fileURLToPath(
  new URL('../../native/onednn-chain/build/Release/onednn_chain.node', import.meta.url),
);

export class NativeUnavailableError extends Error {
  readonly code = 'NATIVE_UNAVAILABLE';
  constructor(reason: string) {
    super(`native runtime unavailable: ${reason}`);
    this.name = 'NativeUnavailableError';
  }
}

let loaded: Addon | NativeUnavailableError | undefined;

/** The addon, loaded once per process; NativeUnavailableError says why not (not built, library missing). */
export function nativeAddon(path = NATIVE_ADDON_PATH): Addon {
  if (loaded === undefined) {
    if (!existsSync(path)) {
      loaded = new NativeUnavailableError(
        `${path} is not built (apt-get install libdnnl-dev, then npm run build:native)`,
      );
    } else {
      try {
        loaded = createRequire(import.meta.url)(path) as Addon;
      } catch (err) {
        loaded = new NativeUnavailableError(
          `${path} does not load: ${(err as Error).message.split('\n')[0]}`,
        );
      }
    }
  }
  if (loaded instanceof NativeUnavailableError) throw loaded;
  return loaded;
}

export interface NativeChain {
  /** The model's input height and width (null: any, for a fully convolutional net), and channels. */
  readonly inputHeight: number | null;
  readonly inputWidth: number | null;
  readonly channels: number;
  /** Output channels: the embedding dimension of a net ending in Dense, else the output map's channels. */
  readonly dim: number;
  /** Threads oneDNN runs this chain on (one worker thread, plus OpenMP helpers beyond 1). */
  readonly threads: number;
  /**
   * Raw pixels [n, H, W, C] (before the model's Rescaling) → un-normalised outputs, off the JS thread:
   * [n, D] for a net ending in Dense, else the output maps [n, h, w, D]. H and W default to the model's.
   */
  run(pixels: Float32Array, n: number, height?: number, width?: number): Promise<Float32Array>;
  /** Releases the native runtimes; later runs reject. */
  dispose(): void;
}

const WHO = 'nativeChain';
const OP_KIND = { conv2d: 0, depthwise: 1, dense: 2 } as const;
const ACTIVATION = { linear: 0, relu: 1, prelu: 2 } as const;

/**
 * Compiles a chain-shaped layers model (BN already folded) for the addon. UnsupportedLayerError for
 * models it cannot express (the caller keeps tfjs), NativeUnavailableError when the addon is missing.
 */
export function compileNativeChain(
  model: tf.LayersModel,
  threads = 1,
  addon = nativeAddon(),
  /** Input side the load-time probe uses where the model accepts any size. */
  nominalSide = 64,
): NativeChain {
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 4 || typeof inShape[3] !== 'number') {
    throw new UnsupportedLayerError(`input shape ${JSON.stringify(inShape)}`, WHO);
  }
  const inputHeight = inShape[1] ?? null;
  const inputWidth = inShape[2] ?? null;
  const channels = inShape[3];
  const steps = chainSteps(model, WHO);
  try {
    const { scale, offset, meta, tensors, dim } = layout(steps);
    const handle = addon.createChain(
      inputHeight ?? nominalSide,
      inputWidth ?? nominalSide,
      channels,
      scale,
      offset,
      threads,
      meta,
      tensors,
    );
    let disposed = false;
    return {
      inputHeight,
      inputWidth,
      channels,
      dim,
      threads,
      run: (pixels, n, height = inputHeight ?? undefined, width = inputWidth ?? undefined) => {
        if (disposed) return Promise.reject(new Error('native chain is disposed'));
        if (height === undefined || width === undefined) {
          throw new RangeError('native chain: this model takes any input size; pass height and width');
        }
        return addon.run(handle, pixels, n, height, width);
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        addon.dispose(handle);
      },
    };
  } finally {
    for (const s of steps) if ('alpha' in s && s.alpha) s.alpha.dispose();
  }
}

/** The addon's flat form: 10 numbers and 3 tensors per op, in tfjs' own layouts (onednn_chain.cc). */
function layout(steps: readonly ChainStep[]): {
  scale: number;
  offset: number;
  meta: Uint32Array;
  tensors: Float32Array[];
  dim: number;
} {
  let scale = 1;
  let offset = 0;
  const meta: number[] = [];
  const tensors: Float32Array[] = [];
  let dim = 0;
  steps.forEach((step, i) => {
    if (step.kind === 'rescale') {
      if (i !== 0) throw new UnsupportedLayerError('a Rescaling layer after the first layer', WHO);
      ({ scale, offset } = step);
      return;
    }
    if (step.kind === 'flatten') {
      // Only the flatten of a 1x1 map (after the global depthwise conv) is free: rows stay faces.
      const spatial = step.inputShape.slice(1, -1).reduce((a, b) => a * b, 1);
      if (spatial !== 1) throw new UnsupportedLayerError('a Flatten of a map larger than 1x1', WHO);
      return;
    }
    const [kernel, maybeBias] = step.weights;
    const inC = step.inputShape.at(-1)!;
    const outC = kernel.shape.at(-1)! * (step.kind === 'depthwise' ? inC : 1);
    const bias = maybeBias ? (maybeBias.dataSync() as Float32Array) : new Float32Array(outC);
    const alpha = step.alpha ? (step.alpha.dataSync() as Float32Array) : new Float32Array(0);
    dim = outC;
    if (step.kind === 'dense') {
      if (i !== steps.length - 1) throw new UnsupportedLayerError('a Dense layer before the last layer', WHO);
      meta.push(OP_KIND.dense, 1, 1, 1, 1, 0, inC, outC, 1, ACTIVATION[step.activation]);
      tensors.push(kernel.dataSync() as Float32Array, bias, alpha);
      return;
    }
    const dilation = step.config.dilationRate ?? 1;
    if ((Array.isArray(dilation) ? dilation : [dilation]).some((d) => d !== 1)) {
      throw new UnsupportedLayerError(`a dilated ${step.kind} convolution`, WHO);
    }
    const [kh, kw] = kernel.shape as number[];
    const [sh, sw] = step.config.strides ?? [1, 1];
    const same = step.config.padding === 'same' ? 1 : 0;
    const depthMultiplier = step.kind === 'depthwise' ? (kernel.shape[3] ?? 1) : 1;
    meta.push(
      OP_KIND[step.kind],
      kh,
      kw,
      sh,
      sw,
      same,
      inC,
      outC,
      depthMultiplier,
      ACTIVATION[step.activation],
    );
    tensors.push(kernel.dataSync() as Float32Array, bias, alpha);
  });
  if (meta.length === 0) throw new UnsupportedLayerError('a chain without a convolution or Dense layer', WHO);
  return { scale, offset, meta: Uint32Array.from(meta), tensors, dim };
}

export interface NativeSelection {
  /** @defaultValue BRIDGEFACE_NATIVE, else `auto` */
  readonly mode?: NativeMode;
  /** @defaultValue BRIDGEFACE_NATIVE_THREADS, else 1 */
  readonly threads?: number;
}

const noted = new Set<string>();

/**
 * The one rule for running a model natively: `off` never; `auto` where the addon is built and the tfjs
 * backend is not a GPU (the native runtime was measured against wasm; a GPU backend keeps its models);
 * `on` always, or an Error. `adopt` receives the compiled chain and must check it against the tfjs
 * path, throwing (and disposing it) on a mismatch; `what` names the model in logs ("students",
 * "the small-face detector"). Returns whether the model now runs natively.
 */
export async function adoptNativeChain(
  model: tf.LayersModel,
  what: string,
  adopt: (chain: NativeChain) => Promise<void>,
  selection: NativeSelection = {},
): Promise<boolean> {
  const mode = selection.mode ?? parseNativeMode(nativeSetting());
  if (mode === 'off') return false;
  if (mode === 'auto' && (await initBackend()).choice === 'tensorflow-gpu') return false;
  const threads = selection.threads ?? parseNativeThreads(nativeThreadsSetting());
  try {
    await adopt(compileNativeChain(model, threads));
    if (!noted.has(`on:${what}`))
      log.info({ threads }, `${what} run on oneDNN's native CPU kernels (${threads} thread(s))`);
    noted.add(`on:${what}`);
    return true;
  } catch (err) {
    const reason = (err as Error).message;
    if (mode === 'on') throw new Error(`BRIDGEFACE_NATIVE=on: ${what}: ${reason}`, { cause: err });
    if (err instanceof NativeUnavailableError || err instanceof UnsupportedLayerError) {
      // Not built is a normal setup: said once per process.
      if (!noted.has(`off:${what}`)) log.info(`${what} run on tfjs: ${reason}`);
      noted.add(`off:${what}`);
    } else {
      log.warn({ err: reason }, `${what} run on tfjs: the native runtime failed its check`);
    }
    return false;
  }
}
