/**
 * Embedding throughput, student vs teacher, in one process on the chosen backend:
 *   npm run bench:embed [-- --model student,<dir>,teacher] [--batch 256] [--json out.json]
 * Without --model the student and the teacher run, and where the student runs on the native runtime
 * (runtime/native-chain.ts) also `student@tfjs`: the same student with BRIDGEFACE_NATIVE=off.
 * A spec's `@tfjs` suffix does that for any student. Every model's ratio to the last one is printed. Faces/s counts whole `embed()` calls on face crops
 * already at the model's input size (what the embed worker receives), batched and single-face.
 * Each result also carries the model's multiply-accumulates per face (counted from the kernels tfjs
 * runs) and the GMAC/s its speed implies, the wasm thread count (BRIDGEFACE_WASM_THREADS) and the load
 * average: the teacher in the same run is the machine-speed reference, since these VMs drift ±40%.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { positiveInt } from '../src/cli/options.ts';
import { randomRgbImages, type RgbImage } from '../src/image/rgb-image.ts';
import type { FaceEmbedder } from '../src/models/embedder.ts';
import { FACE_RECOGNITION_FILES, faceApiModelDir, probeModelDir } from '../src/models/model-paths.ts';
import { weightDirsOf } from '../src/models/ensemble.ts';
import { createEmbedder } from '../src/models/registry.ts';
import { StudentEmbedder } from '../src/models/student/student-embedder.ts';
import { modelSizeOnDisk } from '../src/models/student/model-io.ts';
import { initBackend } from '../src/runtime/backend.ts';
import { countMacs } from '../src/runtime/count-macs.ts';
import { cpus, loadavg } from 'node:os';
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLiteSvg } from '../src/util/vega-svg.ts';
import { statSync } from 'node:fs';

const opts = new Command('bench:embed')
  .option(
    '--model <specs>',
    'comma-separated: student, teacher or model directories; the last is the reference (default: student,teacher)',
  )
  .option('--batch <n>', 'faces per embed() call', positiveInt('--batch'), 256)
  .option('--seconds <n>', 'minimum timed seconds per measurement', positiveInt('--seconds'), 5)
  .option('--json <file>', 'also write the results as JSON')
  .option('--plot <svg>', 'also draw faces/s per model and runtime (log scale) as an SVG')
  .parse()
  .opts<{ model?: string; batch: number; seconds: number; json?: string; plot?: string }>();

const backend = await initBackend();

interface Result {
  model: string;
  backend: string;
  batch: number;
  faces_per_second: number;
  single_face_per_second: number;
  params: number;
  bytes_on_disk: number;
  input_size: number;
  /** `onednn` (native student) or `tfjs`; `native_threads` with onednn (BRIDGEFACE_NATIVE_THREADS). */
  runtime: string;
  native_threads?: number;
  macs_per_face: number;
  /** faces/s × MACs per face: how much of the core the kernels use. */
  gmac_per_second: number;
  load_average_1m: number;
}

async function facesPerSecond(
  embedder: FaceEmbedder,
  batch: RgbImage[],
  minSeconds: number,
): Promise<number> {
  await embedder.embed(batch); // warm-up: kernel compilation, allocations
  let faces = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minSeconds * 1000) {
    await embedder.embed(batch);
    faces += batch.length;
  }
  return faces / ((performance.now() - t0) / 1000);
}

async function bytesOf(spec: string): Promise<number> {
  if (spec === 'teacher') {
    const dir = faceApiModelDir();
    return FACE_RECOGNITION_FILES.reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  }
  let bytes = 0;
  for (const dir of await weightDirsOf(probeModelDir(spec)!)) bytes += await modelSizeOnDisk(dir);
  return bytes;
}

/** Runs `load` with BRIDGEFACE_NATIVE=off (tfjs) when asked, restoring the variable after. */
async function loadWith<T>(tfjsOnly: boolean, load: () => Promise<T>): Promise<T> {
  if (!tfjsOnly) return load();
  const saved = process.env.BRIDGEFACE_NATIVE;
  process.env.BRIDGEFACE_NATIVE = 'off';
  try {
    return await load();
  } finally {
    if (saved === undefined) delete process.env.BRIDGEFACE_NATIVE;
    else process.env.BRIDGEFACE_NATIVE = saved;
  }
}

/** MACs per face, counted from the tfjs kernels a face runs (a native student is counted on its tfjs twin). */
async function macsPerFace(model: string, embedder: FaceEmbedder, one: RgbImage[]): Promise<number> {
  if (embedder.runtime === undefined || embedder.runtime === 'tfjs')
    return countMacs(() => embedder.embed(one));
  const twin = await loadWith(true, () => createEmbedder(model));
  try {
    return await countMacs(() => twin.embed(one));
  } finally {
    twin.dispose();
  }
}

async function bench(spec: string): Promise<Result> {
  const tfjsOnly = spec.endsWith('@tfjs');
  const model = tfjsOnly ? spec.slice(0, -'@tfjs'.length) : spec;
  const embedder = await loadWith(tfjsOnly, () => createEmbedder(model));
  const size = embedder.inputSize;
  const one = randomRgbImages(1, size, 'bench:embed');
  await embedder.embed(one);
  const macs = await macsPerFace(model, embedder, one);
  const load = loadavg()[0]!;
  const batched = await facesPerSecond(
    embedder,
    randomRgbImages(opts.batch, size, 'bench:embed'),
    opts.seconds,
  );
  const single = await facesPerSecond(
    embedder,
    randomRgbImages(1, size, 'bench:embed'),
    Math.max(2, Math.floor(opts.seconds / 2)),
  );
  const result: Result = {
    model: spec,
    backend: backend.choice,
    batch: opts.batch,
    faces_per_second: Math.round(batched),
    single_face_per_second: Math.round(single),
    params: embedder.params,
    bytes_on_disk: await bytesOf(model),
    input_size: size,
    runtime: embedder.runtime ?? 'tfjs',
    ...(embedder instanceof StudentEmbedder && embedder.nativeThreads !== undefined
      ? { native_threads: embedder.nativeThreads }
      : {}),
    macs_per_face: macs,
    gmac_per_second: Number(((batched * macs) / 1e9).toFixed(2)),
    load_average_1m: load,
  };
  embedder.dispose();
  return result;
}

const specs = opts.model ? opts.model.split(',').map((m) => m.trim()) : ['student', 'teacher'];
const results: Result[] = [];
for (const spec of specs) {
  results.push(await bench(spec));
  // The default run shows a native student beside its tfjs self, before the reference.
  if (!opts.model && spec === 'student' && results[0]!.runtime === 'onednn')
    results.push(await bench('student@tfjs'));
}
console.log(
  '| model | runtime | input | params | bytes | MMAC/face | batch faces/s | GMAC/s | single-face faces/s |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const runtime = r.runtime === 'onednn' ? `onednn, ${r.native_threads} thread(s)` : `tfjs ${r.backend}`;
  console.log(
    `| ${r.model} | ${runtime} | ${r.input_size} | ${r.params.toLocaleString('en')} | ${r.bytes_on_disk.toLocaleString('en')} | ${(r.macs_per_face / 1e6).toFixed(2)} | ${r.faces_per_second.toLocaleString('en')} | ${r.gmac_per_second} | ${r.single_face_per_second.toLocaleString('en')} |`,
  );
}
// Every model against the last one, measured in the same run (the machine-speed reference). The speed
// ratio cannot exceed the work ratio unless a model's kernels run faster per MAC (a native student
// against the teacher on tfjs: compare student@tfjs for the same-kernel ratio).
const b = results.length > 1 ? results[results.length - 1] : undefined;
const threads = backend.wasmThreads ?? 1;
const ratios = b
  ? results.slice(0, -1).map((r) => ({
      model: r.model,
      ratio: r.faces_per_second / b.faces_per_second,
      mac_ratio: b.macs_per_face / r.macs_per_face,
    }))
  : [];
for (const r of ratios)
  console.log(
    `\n${r.model} / ${b!.model}: ${r.ratio.toFixed(1)}x faces/s, ${r.mac_ratio.toFixed(1)}x fewer MACs per face ` +
      `(batch ${opts.batch}, backend ${backend.choice}, ${threads} thread${threads > 1 ? 's' : ''})`,
  );
const ratio = ratios[0]?.ratio;
const macRatio = ratios[0]?.mac_ratio;
const json =
  results.length === 1
    ? { ...results[0], wasm_threads: threads }
    : {
        backend: backend.choice,
        wasm_threads: threads,
        date: new Date().toISOString(),
        results,
        ratio,
        mac_ratio: macRatio,
        ratios,
        reference: { model: b!.model, faces_per_second: b!.faces_per_second },
      };
if (opts.json) writeFileSync(opts.json, `${JSON.stringify(json, null, 2)}\n`);
if (opts.plot) {
  writeFileSync(opts.plot, await renderVegaLiteSvg(throughputSpec(results)));
  console.log(`wrote ${opts.plot}`);
}

/** Horizontal bars, one per model and runtime, on a log scale: the teacher and the students differ 100x. */
function throughputSpec(rows: readonly Result[]): TopLevelSpec {
  const values = rows.flatMap((r) => {
    const label = `${r.model} (${r.runtime === 'onednn' ? `oneDNN, ${r.native_threads} thr` : `tfjs ${r.backend}`})`;
    return [
      { model: label, call: `batch of ${r.batch}`, faces: r.faces_per_second },
      { model: label, call: 'one face per call', faces: r.single_face_per_second },
    ];
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Embedding throughput in one process, ${new Date().toISOString().slice(0, 10)}`,
      subtitle: `${cpus()[0]?.model ?? 'CPU'}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`,
    },
    width: 460,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'model', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
      yOffset: { field: 'call', type: 'nominal' },
      x: {
        field: 'faces',
        type: 'quantitative',
        scale: { type: 'log', domainMin: 10 },
        title: 'faces/s (log scale)',
      },
      // A log scale has no zero: the bars start at 10 faces/s.
      x2: { datum: 10 },
      color: { field: 'call', type: 'nominal', title: null },
      tooltip: [{ field: 'model' }, { field: 'call' }, { field: 'faces', format: ',' }],
    },
  };
}
