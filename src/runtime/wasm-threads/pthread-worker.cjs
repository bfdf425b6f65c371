'use strict';
/* global require, __filename */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS worker entry */
/**
 * Entry file for the pthread workers of tfjs' threaded-SIMD wasm build under Node (see
 * src/runtime/wasm-threads/threaded-wasm.ts). The package ships the Emscripten worker only as a string
 * (`wasmWorkerContents`) and tfjs hands it to `new Worker()` as a blob: URL, which Node's worker_threads
 * cannot load. This file is the worker instead: it exposes what the worker script expects of a
 * CommonJS scope as globals and evaluates the script in the global scope, as a browser worker would.
 */
const {
  wasmWorkerContents,
} = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');

globalThis.require = require;
globalThis.__filename = __filename;
// The string was written for a Blob: escaped newlines inside its string literals must stay escaped.
(0, eval)(wasmWorkerContents.replace(/\n/g, '\\n'));
