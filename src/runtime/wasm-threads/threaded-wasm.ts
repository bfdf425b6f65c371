import * as tf from '@tensorflow/tfjs';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * tfjs' multi-threaded wasm build (XNNPACK on a pthreadpool) under Node.
 *
 * The stock loader cannot run it in Node for two reasons, both worked around here with the files the
 * package publishes in `wasm-out/` and its public exports (`BackendWasm`, `setThreadsCount`):
 * 1. It gives Emscripten's pthread workers blob: URLs (the worker script, then the main script as a
 *    Blob), which Node's `worker_threads` cannot load. Here the worker is a file (pthread-worker.cjs)
 *    and the main script is the published `tfjs-backend-wasm-threaded-simd.js`, passed by path.
 * 2. Its C++ caps the pool at `logical cores / 2` (it assumes 2 hyper-threads per core), read once
 *    from `emscripten_num_logical_cores` when the module starts: on a 2-vCPU VM that is 1 thread, so
 *    even a working loader would run single-threaded. Here that import reports `2 × threads`.
 *
 * The wasm kernels are registered by the package under the backend name `wasm`, so replacing the
 * backend's factory keeps every kernel (and the training kernels registered on top of them).
 */
const req = createRequire(import.meta.url);
const OUT = '@tensorflow/tfjs-backend-wasm/wasm-out/';

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: { unref(): void }[] };
  tfjs?: Record<string, (...args: number[]) => number>;
}
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;
type Imports = Record<string, Record<string, unknown>>;
/** The slice of the WebAssembly global used here (the project's TypeScript lib has no DOM types). */
interface WasmGlobal {
  instantiate(bytes: Uint8Array, imports: Imports): Promise<{ instance: object; module: object }>;
}
const wasmGlobal = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

/** Files the threaded build needs; absent from a package version that does not ship them. */
export function threadedWasmFiles(): { mainScript: string; wasm: string; worker: string } {
  return {
    mainScript: req.resolve(`${OUT}tfjs-backend-wasm-threaded-simd.js`),
    wasm: req.resolve(`${OUT}tfjs-backend-wasm-threaded-simd.wasm`),
    worker: fileURLToPath(new URL('./pthread-worker.cjs', import.meta.url)),
  };
}

async function createModule(threads: number): Promise<EmscriptenModule> {
  const files = threadedWasmFiles();
  const factory = req(files.mainScript) as Factory;
  const { readFile } = await import('node:fs/promises');
  const binary = await readFile(files.wasm);
  const module = await factory({
    locateFile: (path: string) =>
      path.endsWith('.worker.js') ? files.worker : path.endsWith('.wasm') ? files.wasm : path,
    mainScriptUrlOrBlob: files.mainScript,
    instantiateWasm: (imports: Imports, receive: (instance: object, module: object) => void) => {
      // The C++ pool size is min(requested, logical cores / 2): report enough cores for `threads`.
      imports.env!.emscripten_num_logical_cores = () => 2 * threads;
      void wasmGlobal.instantiate(binary, imports).then((r) => receive(r.instance, r.module));
      return {};
    },
  });
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Replaces the registered `wasm` backend's factory with the threaded build on `threads` threads
 * (≥ 2). Call before the backend is first set; `tf.setBackend('wasm')` then runs multi-threaded.
 */
export function registerThreadedWasm(threads: number): void {
  if (!Number.isInteger(threads) || threads < 2) {
    throw new RangeError(`threaded wasm needs an integer thread count ≥ 2, got ${threads}`);
  }
  const priority = 2;
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const module = await createModule(threads);
      setThreadsCount(threads);
      const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
      // Pool threads park on a futex for the process's life; they must not keep Node alive.
      for (const worker of module.PThread.runningWorkers) worker.unref();
      return backend;
    },
    priority,
  );
}

/** Threads XNNPACK runs on in the active wasm backend (1 for the stock single-threaded build). */
export function wasmThreadsCount(): number {
  const backend = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
  return backend.wasm?.tfjs?.getThreadsCount?.() ?? 1;
}
