import * as tf from '@tensorflow/tfjs';
import { backendSetting, parseIntegerSetting, wasmThreadsSetting } from '../config/environment.ts';
import { log } from '../util/log.ts';

/**
 * Chooses the tfjs backend once per process, best first:
 * tfjs-node-gpu (CUDA) → tfjs-node (native CPU) → wasm (portable, ships its binary) → cpu (pure JS).
 * `BRIDGEFACE_BACKEND` forces one of: `tensorflow-gpu`, `tensorflow`, `wasm`, `cpu`.
 * `BRIDGEFACE_WASM_THREADS=n` (n ≥ 2) runs the wasm backend's XNNPACK kernels on n threads
 * (runtime/wasm-threads); unset or 1 keeps the single-threaded SIMD build.
 * Every module imports the tensor API from `@tensorflow/tfjs`; the native packages register their
 * backend on the same global engine, so the choice made here applies everywhere.
 */
export type BackendChoice = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_CHOICES: readonly BackendChoice[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  /** What was chosen. */
  readonly choice: BackendChoice;
  /** The tfjs backend name now active (`tensorflow`, `wasm` or `cpu`). */
  readonly tfBackend: string;
  /** Whether training kernels missing from this backend were registered. */
  readonly trainingKernels: boolean;
  /** For each better candidate that was skipped: why. */
  readonly skipped: readonly { readonly choice: BackendChoice; readonly reason: string }[];
  /** True when BRIDGEFACE_BACKEND forced the choice. */
  readonly forced: boolean;
  /** Threads the wasm backend's kernels run on (wasm only). */
  readonly wasmThreads?: number;
}

/** Most threads BRIDGEFACE_WASM_THREADS accepts (tfjs' threaded build pre-creates 8 workers). */
export const MAX_WASM_THREADS = 8;

/** Parses BRIDGEFACE_WASM_THREADS: unset/empty is 1; else an integer 1..MAX_WASM_THREADS. */
export function parseWasmThreads(value: string | undefined): number {
  return parseIntegerSetting('BRIDGEFACE_WASM_THREADS', value, 1, 1, MAX_WASM_THREADS);
}

let chosen: Promise<BackendInfo> | undefined;

/** Parses BRIDGEFACE_BACKEND; throws naming the allowed values when it is set to something else. */
export function parseBackendEnv(value: string | undefined): BackendChoice | undefined {
  if (value === undefined || value === '') return undefined;
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new Error(`BRIDGEFACE_BACKEND=${value} is not one of: ${BACKEND_CHOICES.join(', ')}`);
}

/** What activating a backend yields. */
export interface Activated {
  readonly tfBackend: string;
  readonly trainingKernels: boolean;
  readonly wasmThreads?: number;
}

async function tryActivate(choice: BackendChoice, threads: number): Promise<Activated> {
  switch (choice) {
    case 'tensorflow-gpu':
      // Dynamic specifiers keep TypeScript from requiring the optional native packages' types.
      await import(String('@tensorflow/tfjs-node-gpu'));
      return { tfBackend: await activate('tensorflow'), trainingKernels: false };
    case 'tensorflow':
      await import(String('@tensorflow/tfjs-node'));
      return { tfBackend: await activate('tensorflow'), trainingKernels: false };
    case 'wasm': {
      await import('@tensorflow/tfjs-backend-wasm');
      const threading = await import('./wasm-threads/threaded-wasm.ts');
      if (threads > 1) threading.registerThreadedWasm(threads);
      const { registerWasmTrainingKernels } = await import('./wasm-training-kernels.ts');
      const tfBackend = await activate('wasm');
      registerWasmTrainingKernels();
      return { tfBackend, trainingKernels: true, wasmThreads: threading.wasmThreadsCount() };
    }
    case 'cpu':
      return { tfBackend: await activate('cpu'), trainingKernels: false };
  }
}

async function activate(name: string): Promise<string> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  return tf.getBackend();
}

const NOT_INSTALLED = 'not installed (optional package)';

/**
 * Why a backend could not be used, in a line. The native packages are optional: one that is not
 * installed is information, not a failure, and reads so.
 */
export function skipReason(err: unknown): string {
  const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  return /Cannot find (package|module) '@tensorflow\//.test(message) ? NOT_INSTALLED : message;
}

/** Activates one backend or throws why it cannot (the real one imports and initialises tfjs packages). */
export type BackendActivator = (choice: BackendChoice, threads: number) => Promise<Activated>;

/**
 * The selection rule: the first of BACKEND_CHOICES that activates (or only `forced`), with the reason
 * every better one was skipped. `activate` is injectable so the rule is tested whatever is installed.
 */
export async function chooseBackend(
  forced: BackendChoice | undefined,
  threads: number,
  activate: BackendActivator = tryActivate,
): Promise<BackendInfo> {
  const candidates = forced ? [forced] : BACKEND_CHOICES;
  const skipped: { choice: BackendChoice; reason: string }[] = [];
  for (const choice of candidates) {
    try {
      const { tfBackend, trainingKernels, wasmThreads } = await activate(choice, threads);
      const info: BackendInfo = {
        choice,
        tfBackend,
        trainingKernels,
        skipped,
        forced: forced !== undefined,
        ...(wasmThreads === undefined ? {} : { wasmThreads }),
      };
      const notInstalled = skipped.filter((s) => s.reason === NOT_INSTALLED).map((s) => s.choice);
      const failed = skipped.filter((s) => s.reason !== NOT_INSTALLED).map((s) => `${s.choice}: ${s.reason}`);
      log.info(
        {
          backend: choice,
          ...(failed.length > 0 ? { failed } : {}),
          ...(wasmThreads ? { wasmThreads } : {}),
        },
        `tfjs backend: ${choice}${info.forced ? ' (forced by BRIDGEFACE_BACKEND)' : ''}` +
          (wasmThreads !== undefined && wasmThreads > 1 ? ` on ${wasmThreads} threads` : '') +
          (notInstalled.length > 0 ? ` (optional ${notInstalled.join(', ')} not installed)` : ''),
      );
      return info;
    } catch (err) {
      const reason = skipReason(err);
      if (forced) throw new Error(`BRIDGEFACE_BACKEND=${forced} cannot be used: ${reason}`, { cause: err });
      skipped.push({ choice, reason });
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${JSON.stringify(skipped)}`);
}

/**
 * Initialises the best available backend (once per process; later calls return the same result).
 * Call before creating any tensor.
 */
export function initBackend(): Promise<BackendInfo> {
  chosen ??= chooseBackend(parseBackendEnv(backendSetting()), parseWasmThreads(wasmThreadsSetting()));
  return chosen;
}
