import type { WorkerSnapshot } from '../../src/loadgen/worker-stats.ts';

/** A loadgen worker snapshot with every field set (zeros), overridden by `o`. */
export function workerSnapshot(o: Partial<WorkerSnapshot> = {}): WorkerSnapshot {
  return {
    workerId: 'w1',
    pid: 1,
    atMs: 0,
    loopActiveMs: 0,
    loopIdleMs: 0,
    cpuMs: 0,
    facesEmbedded: 0,
    stageSeconds: { decode: 0, embed: 0, model: 0, match: 0, eventWrite: 0, job: 0 },
    backend: 'wasm',
    numTensors: 0,
    numDataBuffers: 0,
    tensorBytes: 0,
    rssBytes: 0,
    heapUsedBytes: 0,
    externalBytes: 0,
    wasmBytes: null,
    ...o,
  };
}
