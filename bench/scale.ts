/**
 * Scaling benchmark of the distributed path.
 *
 *  1. Gallery.search micro-benchmark: time per face of one matMul + top-k search against 1k, 10k and
 *     100k synthetic identities (random unit vectors, the embedder's dimension), at a few query batch
 *     sizes, on the current tfjs backend (this process).
 *  2. Scaling run: `runLoadgen` (stepped load through BullMQ → embed worker processes → matcher →
 *     events stream) with 1 and then 2 embed worker processes, same watchlist and ramp.
 *
 *   node --import tsx bench/scale.ts [--json out.json] [--plot-dir dir] [--watchlist 10000]
 *        [--workers 1,2] [--sizes 1000,10000,100000] [--step-seconds 10] [--start-rate 100]
 *        [--factor 1.5] [--steps 8] [--skip-gallery] [--skip-scaling]
 *
 * On a shared or small machine the numbers are depressed; `host.loadavg_1m` is recorded with them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadCropPool } from '../src/loadgen/crop-pool.ts';
import { resolveLoadgenModel } from '../src/loadgen/loadgen-model.ts';
import { renderLoadgenPlot, type LoadgenReport } from '../src/loadgen/report.ts';
import { runLoadgen } from '../src/loadgen/run-loadgen.ts';
import { randomUnitVector } from '../src/loadgen/synthetic-watchlist.ts';
import { Gallery } from '../src/match/gallery.ts';
import { initBackend } from '../src/runtime/backend.ts';
import { createRng } from '../src/util/random.ts';

interface GalleryTiming {
  readonly identities: number;
  readonly query_batch: number;
  readonly us_per_face: number;
  readonly ms_per_batch: number;
  readonly build_ms: number;
}

const list = (v: string): number[] => v.split(',').map((x) => Number(x.trim()));

async function benchGallery(
  sizes: readonly number[],
  dim: number,
  batches: readonly number[],
): Promise<GalleryTiming[]> {
  const rng = createRng('bench-scale');
  const out: GalleryTiming[] = [];
  for (const n of sizes) {
    const t0 = performance.now();
    const entries = Array.from({ length: n }, (_, i) => ({
      identityId: `id${i}`,
      embeddings: [randomUnitVector(rng, dim)],
    }));
    const gallery = new Gallery(entries, dim);
    const buildMs = performance.now() - t0;
    try {
      for (const b of batches) {
        const queries = Array.from({ length: b }, () => randomUnitVector(rng, dim));
        await gallery.search(queries, 5); // warm-up (kernel compile, allocation)
        // Enough repetitions for ~1 s or at least 3.
        let reps = 0;
        const start = performance.now();
        while (reps < 3 || (performance.now() - start < 1000 && reps < 200)) {
          await gallery.search(queries, 5);
          reps++;
        }
        const ms = (performance.now() - start) / reps;
        out.push({
          identities: n,
          query_batch: b,
          us_per_face: (ms * 1000) / b,
          ms_per_batch: ms,
          build_ms: buildMs,
        });
        console.error(
          `gallery ${n} identities, batch ${b}: ${((ms * 1000) / b).toFixed(0)} µs/face (${ms.toFixed(1)} ms/batch)`,
        );
      }
    } finally {
      gallery.dispose();
    }
  }
  return out;
}

const program = new Command('bench-scale')
  .option('--json <file>', 'write results as JSON')
  .option('--plot-dir <dir>', 'write one loadgen SVG per worker count')
  .option('--model <spec>', 'embedder for the scaling run', 'student')
  .option('--watchlist <n>', 'watchlist size of the scaling run', Number, 10_000)
  .option('--workers <list>', 'worker counts of the scaling run', list, [1, 2])
  .option('--sizes <list>', 'gallery sizes of the micro-benchmark', list, [1000, 10_000, 100_000])
  .option('--query-batches <list>', 'query batch sizes of the micro-benchmark', list, [1, 16, 64])
  .option('--step-seconds <s>', 'seconds per ramp step', Number, 10)
  .option('--start-rate <r>', 'first offered rate (faces/s)', Number, 100)
  .option('--factor <x>', 'rate factor per step', Number, 1.5)
  .option('--steps <n>', 'most steps', Number, 8)
  .option('--skip-gallery', 'skip the Gallery.search micro-benchmark')
  .option('--skip-scaling', 'skip the 1-vs-2-worker scaling run')
  .parse();
const o = program.opts<{
  json?: string;
  plotDir?: string;
  model: string;
  watchlist: number;
  workers: number[];
  sizes: number[];
  queryBatches: number[];
  stepSeconds: number;
  startRate: number;
  factor: number;
  steps: number;
  skipGallery?: boolean;
  skipScaling?: boolean;
}>();

const backend = await initBackend();
const model = await resolveLoadgenModel(o.model);
const result: {
  backend: string;
  model: string;
  model_note: string | null;
  gallery_search: GalleryTiming[];
  scaling: LoadgenReport[];
  host: { cpus: number; loadavg_1m: number; node: string };
} = {
  backend: backend.tfBackend,
  model: model.name,
  model_note: model.note,
  gallery_search: [],
  scaling: [],
  host: { cpus: cpus().length, loadavg_1m: loadavg()[0]!, node: process.version },
};
try {
  if (!o.skipGallery) result.gallery_search = await benchGallery(o.sizes, model.dim, o.queryBatches);
  if (!o.skipScaling) {
    const pool = await loadCropPool();
    for (const workers of o.workers) {
      const report = await runLoadgen({
        resolvedModel: model,
        cropPool: pool,
        workers,
        watchlistSize: o.watchlist,
        ramp: { startRate: o.startRate, factor: o.factor, maxSteps: o.steps },
        stepSeconds: o.stepSeconds,
        onProgress: (l) => console.error(`[${workers} worker(s)] ${l}`),
      });
      result.scaling.push(report);
      console.error(
        `${workers} worker(s): sustained ${report.sustained_faces_per_second.toFixed(0)} faces/s, p95 ${report.latency_ms_p95} ms, dropped ${report.dropped}`,
      );
      if (o.plotDir) {
        await mkdir(o.plotDir, { recursive: true });
        await writeFile(join(o.plotDir, `loadgen-${workers}w.svg`), await renderLoadgenPlot(report));
      }
    }
  }
} finally {
  await model.cleanup();
}
if (o.json) await writeFile(o.json, `${JSON.stringify(result, null, 2)}\n`);
console.log(
  JSON.stringify(
    {
      backend: result.backend,
      model: result.model,
      model_note: result.model_note,
      gallery_us_per_face: result.gallery_search.map((g) => [
        g.identities,
        g.query_batch,
        Math.round(g.us_per_face),
      ]),
      scaling: result.scaling.map((r) => ({
        workers: r.workers,
        watchlist_size: r.watchlist_size,
        sustained_faces_per_second: Math.round(r.sustained_faces_per_second),
        latency_ms_p95: r.latency_ms_p95,
        dropped: r.dropped,
      })),
    },
    null,
    1,
  ),
);
