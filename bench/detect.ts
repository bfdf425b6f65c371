/**
 * Small-face detection benchmark: real LFW faces composited at known sizes into real CCTV frames.
 *   npm run bench:detect [-- --json out.json --frames 40 --data ../shared/data]
 *
 * Data (`--data`, default ../shared/data; without it the bench says so and exits 0)
 *  - Frames: <data>/cctv/vtest.avi (768x576, 10 fps, 795 frames, fixed camera). The sample is
 *    `--frames` frames in clips of `--clip` consecutive frames, clip starts spread evenly over the video.
 *    The first frame of each clip is clean and unscored: it starts the motion background after the
 *    detectors' `reset()` (a camera (re)connecting), so its full-frame scan is not timed either.
 *  - Faces: <data>/lfw, DevTest identities (peopleDevTest.txt), image `<name>_0001.jpg`, deep-funnelled 250x250.
 *    Ground-truth face box in the LFW image: the central 110x110 square, [70, 180) x [70, 180). (Median
 *    detector boxes on 100 DevTest images: tiny x 64–183, y 83–197; SSD x 74–175, y 69–188 — IoU 0.71 and
 *    0.85 with it.) The face is shrunk by area averaging to side s ∈ {12, 16, 20, 24, 32, 48, 64} with a
 *    0.3·s context margin, feathered into the frame (src/detect/composite.ts), so the GT box is exact.
 *  - Each clip carries one face of every size, non-overlapping (seeded), moving in a straight line at
 *    0.5–2.5 px/frame like a walking person at that distance, entering the view at a random frame in
 *    1..8 of the clip (people do not all appear at once; this also spreads face arrivals evenly over
 *    a `scanEvery` schedule's phases); faces change between clips. Each
 *    composited frame is JPEG-encoded at quality 80 and decoded again so the pasted faces carry the same
 *    kind of compression artefacts as the video around them.
 *
 * Detectors run as the camera pipeline runs them: over consecutive frames, and for `tracked` configs
 * with a `FaceTracker` fed by their detections whose live tracks' predicted boxes (`TrackRegions`) go
 * back to the detector as `regionsOfInterest` on the next frame — so tiled-tiny-track's new-face
 * search runs on every `scanEvery`-th frame and tracked faces are re-detected at their own scale in
 * between (new motion: at once, `scanNewMotion`). Default run: plain-tiny-608, plain-ssd, tiled-tiny
 * (before: motion-gated search on every frame, no tracker feedback), tiled-tiny-track (after, the
 * detector defaults: scanEvery 4) and tiled-tiny-track-3 (scanEvery 3: less latency, more cost);
 * 4 clips x 20 frames, ~1.5–3 min depending on load.
 *
 * Scoring (per detector, per scored frame): src/eval/detection-scoring.ts, tested in
 * test/eval/detection-scoring.test.ts.
 *  - Match: detections by descending score, each to the unmatched GT with the highest IoU ≥ 0.3; failing
 *    that, for GT ≤ 16 px (where a 2–3 px offset alone drops IoU under 0.3), to an unmatched GT that
 *    contains the detection's centre when the detection's side is within 0.5–2x the GT side.
 *  - Unmatched detections: vtest's own pedestrians have faces of ~8–15 px that are not labelled. An
 *    unmatched detection is "don't care" (neither TP nor FP) when its side is ≤ 18 px AND its centre lies
 *    in a motion region of the clean (uncomposited) frame — i.e. on a real walking person; every other
 *    unmatched detection is a false positive (so junk on the static background counts at any size).
 *  - Recall by GT size; precision by size buckets TPs by their GT's size and FPs by the nearest size
 *    class of the detection's side; overall precision over everything.
 *  - ms per frame: wall time of `detect()` alone (not decoding/compositing/tracking), mean/median/p90/
 *    max over all scored frames of the sequences (new-face scan frames and ROI-only frames alike;
 *    nearest-rank percentiles, src/util/quantile.ts);
 *    fps = 1000 / mean. MPix: mean network input pixels per frame, the load-independent cost (~350 ns
 *    per pixel on the wasm backend). The machine is shared (2 cores, other jobs): load averages at the
 *    start and end are recorded.
 *  - Latency and re-detection: per clip face, the frame (counted from its entry, 1 = at once) of its
 *    first detection, faces never found, and recall counted only from each face's first detection on
 *    ("once found": how well tracked faces are re-detected, without the wait for the first scan).
 */
import { decodeRawVideo } from '../src/demo/clip-encoder.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { nonNegativeInt, positiveInt } from '../src/cli/options.ts';
import {
  createDetectionTally,
  createFaceFreeTally,
  detectionScores,
  endClip,
  scoreFaceFreeFrame,
  scoreFrame,
  startClip,
  type DetectionTally,
  type FaceFreeTally,
} from '../src/eval/detection-scoring.ts';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { iou, type Box } from '../src/image/box.ts';
import { decodeImage, decodeImageFile, encodeImage } from '../src/image/decode.ts';
import type { RgbImage } from '../src/image/rgb-image.ts';
import { locateFfmpeg } from '../src/decode/ffmpeg-binary.ts';
import { quantile } from '../src/util/quantile.ts';
import { createRng } from '../src/util/random.ts';
import { exitUnlessPresent } from './data.ts';
import { tinyTileReferenceMs } from './reference.ts';
import { greyscaleCopy } from '../src/datasets/lr-synthesis.ts';
import { detectionPlotSpec } from '../src/eval/detection-plot.ts';
import { renderVegaLiteSvg } from '../src/util/vega-svg.ts';
import { initBackend } from '../src/runtime/backend.ts';
import { pasteFace, patchSide, type FaceSource } from '../src/detect/composite.ts';
import { MotionGate } from '../src/detect/motion.ts';
import { TrackRegions } from '../src/detect/track-regions.ts';
import { FaceTracker } from '../src/track/face-tracker.ts';
import {
  createFaceDetector,
  type FaceDetection,
  type FaceDetector,
  type FaceDetectorOptions,
} from '../src/detect/index.ts';

const SIZES = [12, 16, 20, 24, 32, 48, 64] as const;
/** Faces enter their clip at a random frame in 1..ENTRY_SPREAD. */
const ENTRY_SPREAD = 8;
/** New-face search period of the tracked configuration. */
const SCAN_EVERY = 4;
const LFW_FACE: Box = { x: 70, y: 70, width: 110, height: 110 };

/**
 * A detector configuration compared; `tracked`: run it the way the camera pipeline does, with a
 * `FaceTracker` fed by its detections and the live tracks' predicted boxes passed back as
 * `regionsOfInterest` (`TrackRegions`) on the next frame.
 */
interface BenchConfig {
  readonly options: FaceDetectorOptions;
  readonly tracked: boolean;
}

/** tiled-small's first default pyramid: 16 px faces at scale 1, one octave per level. */
const SMALL_16 = { inputFaceSize: 16, maxInputFaceSize: 32 } as const;

/** The detector configurations compared; the key is the report name. */
const CONFIGS: Record<string, BenchConfig> = {
  'plain-tiny-416': { options: { type: 'plain-tiny', inputSize: 416 }, tracked: false },
  'plain-tiny-608': { options: { type: 'plain-tiny', inputSize: 608 }, tracked: false },
  'plain-ssd': { options: { type: 'plain-ssd' }, tracked: false },
  // Before: motion-gated new-face search on every frame, no tracker feedback.
  'tiled-tiny': { options: { type: 'tiled-tiny' }, tracked: false },
  'tiled-tiny-full': { options: { type: 'tiled-tiny', motion: false }, tracked: false },
  'tiled-ssd': { options: { type: 'tiled-ssd' }, tracked: false },
  // After: tracked faces re-detected every frame at their own scale; new-face search every Nth frame.
  'tiled-tiny-track': { options: { type: 'tiled-tiny', scanEvery: SCAN_EVERY }, tracked: true },
  'tiled-tiny-track-3': { options: { type: 'tiled-tiny', scanEvery: 3 }, tracked: true },
  // The SSD pyramid with the same tracker feedback and schedule as tiled-tiny-track.
  'tiled-ssd-track': { options: { type: 'tiled-ssd', scanEvery: SCAN_EVERY }, tracked: true },
  'tiled-tiny-track-nonew': {
    options: { type: 'tiled-tiny', scanEvery: SCAN_EVERY, scanNewMotion: false },
    tracked: true,
  },
  'tiled-tiny-track-every': { options: { type: 'tiled-tiny' }, tracked: true },
  // BridgeFace's own small-face net (train-detector): the finest level at scale ~1 instead of 2.75.
  'tiled-small': { options: { type: 'tiled-small' }, tracked: false },
  'tiled-small-full': { options: { type: 'tiled-small', motion: false }, tracked: false },
  'tiled-small-track': { options: { type: 'tiled-small', scanEvery: SCAN_EVERY }, tracked: true },
  'tiled-small-track-every': { options: { type: 'tiled-small', scanEvery: 1 }, tracked: true },
  // Variants measured when choosing tiled-small's defaults (docs/BENCHMARKS.md): the first default
  // (inputFaceSize 16) with scanEvery 3 or lower thresholds, and the finest level at 16 / 20 px.
  'tiled-small-track-3': { options: { type: 'tiled-small', ...SMALL_16, scanEvery: 3 }, tracked: true },
  'tiled-small-track-t40': {
    options: { type: 'tiled-small', ...SMALL_16, scoreThreshold: 0.4 },
    tracked: true,
  },
  'tiled-small-track-t30': {
    options: { type: 'tiled-small', ...SMALL_16, scoreThreshold: 0.3 },
    tracked: true,
  },
  'tiled-small-track-v64': { options: { type: 'tiled-small', verifyMinSide: 64 }, tracked: true },
  'tiled-small-track-v40-t15': {
    options: { type: 'tiled-small', verifyMinSide: 40, verifyScoreThreshold: 0.15 },
    tracked: true,
  },
  'tiled-small-track-v40': { options: { type: 'tiled-small', verifyMinSide: 40 }, tracked: true },
  'tiled-small-track-noverify': { options: { type: 'tiled-small', verifyMinSide: false }, tracked: true },
  'tiled-small-track-f16': { options: { type: 'tiled-small', ...SMALL_16 }, tracked: true },
  'tiled-small-track-f20': {
    options: { type: 'tiled-small', inputFaceSize: 20, maxInputFaceSize: 40 },
    tracked: true,
  },
  // Session 6, for the p99: new-face scans spread over bands, and more tiles per net call.
  'tiled-small-track-spread': { options: { type: 'tiled-small', scanSpread: true }, tracked: true },
  'tiled-small-track-b16': { options: { type: 'tiled-small', maxBatch: 16 }, tracked: true },
  'tiled-small-track-spread-b16': {
    options: { type: 'tiled-small', scanSpread: true, maxBatch: 16 },
    tracked: true,
  },
};
const DEFAULT_DETECTORS = [
  'plain-tiny-608',
  'plain-ssd',
  'tiled-tiny',
  'tiled-tiny-track',
  'tiled-tiny-track-3',
  'tiled-small-track',
];

const opts = new Command('bench:detect')
  .option('--json <file>', 'also write the results as JSON')
  .option(
    '--frames <n>',
    'frames decoded (incl. one unscored warm-up frame per clip)',
    positiveInt('--frames'),
    80,
  )
  .option('--clip <n>', 'consecutive frames per clip', positiveInt('--clip'), 20)
  .option('--data <dir>', 'data root holding lfw/ and cctv/', '../shared/data')
  .option('--seed <s>', 'random seed', 'bench-detect-1')
  .option(
    '--face-free-frames <n>',
    'also run each detector (full-frame scans) over n clean frames: every detection that is not on a walking person is a false positive',
    nonNegativeInt('--face-free-frames'),
    0,
  )
  .option(
    '--detectors <names>',
    `comma-separated, of: ${Object.keys(CONFIGS).join(', ')}`,
    DEFAULT_DETECTORS.join(','),
  )
  .option('--grey', 'greyscale every frame (faces and background) as a night/IR camera delivers it')
  .option('--plot <svg>', 'also draw recall by size and ms per frame against the targets (SVG)')
  .option('--small-face-model <dir>', 'the tiled-small configs load this model (default: models/small-face)')
  .option(
    '--trace <file>',
    'also write one JSON line per scored frame and detector (ms, tiles, batches, pixels, scan)',
  )
  .parse()
  .opts<{
    json?: string;
    smallFaceModel?: string;
    trace?: string;
    plot?: string;
    grey?: boolean;
    frames: number;
    clip: number;
    data: string;
    seed: string;
    detectors: string;
    faceFreeFrames: number;
  }>();

const names = opts.detectors.split(',').map((s) => s.trim());
for (const n of names) if (!CONFIGS[n]) throw new InvalidArgumentError(`unknown detector ${n}`);

const VIDEO = { path: join(opts.data, 'cctv', 'vtest.avi'), width: 768, height: 576, frames: 795 };
await exitUnlessPresent('bench:detect', [VIDEO.path, join(opts.data, 'lfw', 'peopleDevTest.txt')]);

process.env.BRIDGEFACE_BACKEND ??= 'wasm';
const backend = await initBackend();
const loadStart = loadavg();

// ---------------------------------------------------------------- frames
const clipCount = Math.max(1, Math.round(opts.frames / opts.clip));
const clipStarts: number[] = [];
for (let c = 0; c < clipCount; c++) {
  clipStarts.push(Math.round(20 + (c * (VIDEO.frames - 20 - opts.clip)) / clipCount));
}
const wanted = clipStarts.flatMap((s) => Array.from({ length: opts.clip }, (_, i) => s + i));

async function decodeFrames(indices: number[]): Promise<Map<number, RgbImage>> {
  const ffmpeg = await locateFfmpeg();
  if (!ffmpeg) throw new Error('no ffmpeg found');
  const select = indices.map((i) => `eq(n\\,${i})`).join('+');
  const frames = await decodeRawVideo(ffmpeg.path, VIDEO.path, VIDEO.width, VIDEO.height, select);
  const sorted = [...indices].sort((a, b) => a - b);
  if (frames.length !== sorted.length)
    throw new Error(`ffmpeg gave ${frames.length} frames, wanted ${sorted.length}`);
  const out = new Map<number, RgbImage>();
  sorted.forEach((n, k) => out.set(n, { width: VIDEO.width, height: VIDEO.height, data: frames[k]! }));
  return out;
}

// ---------------------------------------------------------------- faces
function lfwSources(dataDir: string, count: number, seed: string): Promise<FaceSource[]> {
  const lines = readFileSync(join(dataDir, 'lfw', 'peopleDevTest.txt'), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const people = lines.map((l) => l.split('\t')[0]).filter((n) => n);
  const picked = createRng(`${seed}-people`).shuffle(people).slice(0, count);
  return Promise.all(
    picked.map(async (name) => ({
      image: await decodeImageFile(join(dataDir, 'lfw', 'images_deepfunneled', name, `${name}_0001.jpg`)),
      face: LFW_FACE,
    })),
  );
}

interface Mover {
  source: FaceSource;
  size: number;
  x0: number;
  y0: number;
  vx: number;
  vy: number;
  /** First clip frame the face is in (people enter the view at different times). */
  enter: number;
}

/** One face per size, trajectories' bounding boxes pairwise disjoint (4 px gap), inside the frame. */
function planClip(sources: FaceSource[], rng: ReturnType<typeof createRng>, frames: number): Mover[] {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const movers: Mover[] = [];
    const spans: Box[] = [];
    let ok = true;
    for (const size of [...SIZES].reverse()) {
      const P = patchSide(size);
      const speed = rng.uniform(0.5, 2.5);
      const angle = rng.uniform(0, 2 * Math.PI);
      const vx = speed * Math.cos(angle);
      const vy = speed * Math.sin(angle);
      const travelX = Math.abs(vx) * frames;
      const travelY = Math.abs(vy) * frames;
      let placed = false;
      for (let t = 0; t < 200 && !placed; t++) {
        const x0 = rng.uniform(Math.max(0, -vx * frames), VIDEO.width - P - Math.max(0, vx * frames));
        const y0 = rng.uniform(Math.max(0, -vy * frames), VIDEO.height - P - Math.max(0, vy * frames));
        const span = {
          x: Math.min(x0, x0 + vx * frames) - 4,
          y: Math.min(y0, y0 + vy * frames) - 4,
          width: P + travelX + 8,
          height: P + travelY + 8,
        };
        if (spans.some((s) => iou(s, span) > 0)) continue;
        spans.push(span);
        const enter = rng.int(1, Math.max(1, Math.min(ENTRY_SPREAD, frames - 1)));
        movers.push({ source: sources[rng.int(0, sources.length - 1)], size, x0, y0, vx, vy, enter });
        placed = true;
      }
      if (!placed) {
        ok = false;
        break;
      }
    }
    if (ok) return movers;
  }
  throw new Error('could not place non-overlapping faces');
}

async function jpegRoundTrip(image: RgbImage): Promise<RgbImage> {
  const raw = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  return decodeImage(await raw.jpeg({ quality: 80 }).toBuffer());
}

// ---------------------------------------------------------------- timing
/** What bench:detect measures besides detection scores: cost per scored frame. */
interface Timing {
  ms: number[];
  inputPixels: number[];
  coverage: number[];
  /** Calls that searched for new faces (`DetectStats.newFaceScan`). */
  scans: number;
}

const referenceStart = await tinyTileReferenceMs();

// ---------------------------------------------------------------- run
const t0 = performance.now();
const [frames, sources] = await Promise.all([decodeFrames(wanted), lfwSources(opts.data, 200, opts.seed)]);
const detectors = new Map<string, FaceDetector>();
/** A config's options, with `--small-face-model` for the tiled-small ones. */
function optionsOf(name: string): FaceDetectorOptions {
  const o = CONFIGS[name]!.options;
  return o.type === 'tiled-small' && opts.smallFaceModel
    ? { ...o, smallFaceModelDir: opts.smallFaceModel }
    : o;
}
for (const n of names) detectors.set(n, await createFaceDetector(optionsOf(n)));
const tallies = new Map<string, DetectionTally>(names.map((n) => [n, createDetectionTally(SIZES)]));
const timings = new Map<string, Timing>(
  names.map((n) => [n, { ms: [], inputPixels: [], coverage: [], scans: 0 }]),
);
const tensorsBefore = tf.memory().numTensors;
const rng = createRng(opts.seed);
let scored = 0;
/** Per-frame records for `--trace`: which frames are slow, and what the detector did on them. */
const trace: Record<string, unknown>[] = [];
for (const start of clipStarts) {
  const movers = planClip(sources, rng, opts.clip);
  const cleanGate = new MotionGate();
  for (const d of detectors.values()) d.reset();
  for (const t of tallies.values()) startClip(t, movers.length);
  // Per detector: the camera pipeline's tracker loop (tracked configs).
  const loops = new Map(
    names.map((n) => [n, { tracker: new FaceTracker<null>(n), regions: new TrackRegions() }]),
  );
  const detectTracked = async (n: string, image: RgbImage, seq: number): Promise<FaceDetection[]> => {
    const d = detectors.get(n) as FaceDetector;
    const loop = loops.get(n) as NonNullable<ReturnType<typeof loops.get>>;
    if (!CONFIGS[n].tracked) return d.detect(image);
    const dets = await d.detect(image, { regionsOfInterest: loop.regions.regions(seq) });
    const inputs = dets.map((x) => ({ box: x.box, score: x.score, quality: x.score, crop: null }));
    loop.regions.observe(loop.tracker.update(seq, seq * 100, inputs));
    return dets;
  };
  for (let i = 0; i < opts.clip; i++) {
    const clean = frames.get(start + i) as RgbImage;
    const pedestrians = cleanGate.update(clean);
    if (i === 0) {
      const first = opts.grey ? greyscaleCopy(clean) : clean;
      for (const n of names) await detectTracked(n, first, i); // warm-up: starts the background
      continue;
    }
    const frame = { ...clean, data: clean.data.slice() };
    const present = movers.filter((m) => i >= m.enter);
    const gts = present.map((m) => ({
      box: pasteFace(frame, m.source, Math.round(m.x0 + m.vx * i), Math.round(m.y0 + m.vy * i), m.size),
      sizeIndex: SIZES.indexOf(m.size as (typeof SIZES)[number]),
      face: movers.indexOf(m),
      framesInView: i - m.enter + 1,
    }));
    const composite = await jpegRoundTrip(opts.grey ? greyscaleCopy(frame) : frame);
    if (scored === 0 && opts.json)
      writeFileSync(opts.json.replace(/\.json$/, '') + '-sample.png', await encodeImage(composite));
    scored++;
    for (const [n, d] of detectors) {
      const dets = await detectTracked(n, composite, i);
      const st = d.lastStats();
      scoreFrame(tallies.get(n) as DetectionTally, dets, gts, pedestrians.full ? [] : pedestrians.regions);
      const t = timings.get(n) as Timing;
      t.ms.push(st?.ms ?? NaN);
      t.inputPixels.push(st?.inputPixels ?? NaN);
      t.coverage.push(st?.coverage ?? NaN);
      if (st?.newFaceScan ?? true) t.scans++;
      trace.push({ detector: n, clip: start, frame: i, faces: gts.length, detections: dets.length, ...st });
    }
  }
  for (const t of tallies.values()) endClip(t);
  process.stderr.write(`clip at frame ${start} done (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}
const leaked = tf.memory().numTensors - tensorsBefore;

/** Detections on frames with no composited face: anything not on a walking person is false. */
const noFace = new Map<string, { tally: FaceFreeTally; ms: number[] }>();
if (opts.faceFreeFrames > 0) {
  const step = Math.max(1, Math.floor(wanted.length / opts.faceFreeFrames));
  const picks = wanted.filter((_, k) => k % step === 0).slice(0, opts.faceFreeFrames);
  for (const [n, d] of detectors) {
    const t = createFaceFreeTally();
    const ms: number[] = [];
    for (const idx of picks) {
      const raw = frames.get(idx) as RgbImage;
      const clean = opts.grey ? greyscaleCopy(raw) : raw;
      const gate = new MotionGate();
      const prev = frames.get(idx - 1);
      if (prev) gate.update(opts.grey ? greyscaleCopy(prev) : prev);
      const moving = gate.update(clean);
      d.reset();
      const dets = await d.detect(clean, { fullFrame: true });
      ms.push(d.lastStats()?.ms ?? NaN);
      scoreFaceFreeFrame(t, dets, moving.full ? [] : moving.regions);
    }
    noFace.set(n, { tally: t, ms });
    process.stderr.write(`${n}: ${t.fp} false positives on ${t.frames} face-free frames\n`);
  }
}
const referenceEnd = await tinyTileReferenceMs();
if (opts.trace) writeFileSync(opts.trace, trace.map((r) => JSON.stringify(r)).join('\n') + '\n');
for (const d of detectors.values()) d.dispose();

// ---------------------------------------------------------------- report
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
const percentile = (a: number[], q: number): number =>
  quantile(
    [...a].sort((x, y) => x - y),
    q,
  ) ?? NaN;
const results = names.map((n) => {
  const { first_hit_frame_mean, faces_never_found, ...scores } = detectionScores(
    tallies.get(n) as DetectionTally,
  );
  const t = timings.get(n) as Timing;
  return {
    detector: n,
    options: optionsOf(n),
    tracked: CONFIGS[n].tracked,
    ...scores,
    ms_mean: mean(t.ms),
    ms_median: percentile(t.ms, 0.5),
    ms_p90: percentile(t.ms, 0.9),
    ms_p99: percentile(t.ms, 0.99),
    ms_max: Math.max(...t.ms),
    /** ms per frame in units of the same run's reference workload (load-independent-ish). */
    ms_mean_over_reference: mean(t.ms) / ((referenceStart + referenceEnd) / 2),
    ms_per_input_megapixel: mean(t.ms) / (mean(t.inputPixels) / 1e6),
    no_face_frames: (() => {
      const z = noFace.get(n);
      return z
        ? {
            frames: z.tally.frames,
            fp: z.tally.fp,
            dont_care: z.tally.dontCare,
            fp_sides: z.tally.fpSides,
            ms_mean: mean(z.ms),
          }
        : null;
    })(),
    new_face_scans: t.scans,
    first_hit_frame_mean,
    faces_never_found,
    fps: 1000 / mean(t.ms),
    input_megapixels_mean: mean(t.inputPixels) / 1e6,
    coverage_mean: mean(t.coverage),
  };
});
const pct = (v: number | null): string => (v === null ? '   -' : `${(100 * v).toFixed(0).padStart(3)}%`);
const header = [
  'detector'.padEnd(22),
  ...SIZES.map((s) => `R${s}`.padStart(4)),
  ' R16-24',
  ' R32+',
  ' prec',
  '  FP',
  ' ms/fr',
  '  p90',
  '  max',
  '  fps',
  ' MPix',
  ' cover',
];
console.log(
  `\nrecall by face size (px), precision, speed — ${scored} scored frames, ${scored * SIZES.length} faces, backend ${backend.tfBackend}, load ${loadStart.map((v) => v.toFixed(1)).join('/')}`,
);
console.log(header.join(' '));
for (const r of results) {
  console.log(
    [
      r.detector.padEnd(22),
      ...SIZES.map((s) => pct(r.recall_by_size[s])),
      pct(r.recall_16_24).padStart(7),
      pct(r.recall_32_up).padStart(5),
      pct(r.precision).padStart(5),
      String(r.fp).padStart(4),
      r.ms_mean.toFixed(0).padStart(6),
      r.ms_p90.toFixed(0).padStart(5),
      r.ms_max.toFixed(0).padStart(5),
      r.fps.toFixed(1).padStart(5),
      r.input_megapixels_mean.toFixed(2).padStart(5),
      pct(r.coverage_mean).padStart(6),
    ].join(' '),
  );
}
console.log('precision by size (TP by GT size, FP by nearest size of the detection):');
for (const r of results)
  console.log(
    `  ${r.detector.padEnd(22)} ${SIZES.map((s) => `${s}:${pct(r.precision_by_size[s])}`).join(' ')}  dont-care ${r.dont_care}`,
  );
console.log(
  "new-face scans / scored frames; first detection of a clip face (its nth frame in view); recall from each face's first detection on (R16-24 / R32+):",
);
for (const r of results)
  console.log(
    `  ${r.detector.padEnd(22)} scans ${r.new_face_scans}/${scored}  first hit ${r.first_hit_frame_mean.toFixed(1)}  never found ${r.faces_never_found}  once found ${pct(r.recall_found_16_24)} /${pct(r.recall_found_32_up)}${r.tracked ? '  (tracker ROIs)' : ''}`,
  );
const report = {
  benchmark: 'detect',
  date: new Date().toISOString(),
  greyscale: opts.grey === true,
  backend: backend.tfBackend,
  load_average_start: loadStart,
  load_average_end: loadavg(),
  reference: {
    what: 'tiny face net, one 640x480 tile, median of 7 (ms)',
    ms_start: referenceStart,
    ms_end: referenceEnd,
  },
  frames_decoded: wanted.length,
  frames_scored: scored,
  clip_starts: clipStarts,
  sizes: SIZES,
  seed: opts.seed,
  tensor_leak: leaked,
  wall_s: (performance.now() - t0) / 1000,
  results,
};
for (const r of results)
  console.log(
    `  ${r.detector.padEnd(22)} p99 ${r.ms_p99.toFixed(0)} ms, ${r.ms_per_input_megapixel.toFixed(0)} ms/MPix, mean = ${r.ms_mean_over_reference.toFixed(2)}x reference` +
      (r.no_face_frames
        ? `; face-free frames: ${r.no_face_frames.fp} FP on ${r.no_face_frames.frames} (sides ${r.no_face_frames.fp_sides.join(',') || '-'})`
        : ''),
  );
console.log(
  `reference (tiny net, 640x480 tile): ${referenceStart.toFixed(0)} ms at start, ${referenceEnd.toFixed(0)} ms at end`,
);
console.log(
  `wall ${report.wall_s.toFixed(0)} s, tensors leaked across the run: ${leaked}, load at end ${report.load_average_end.map((v) => v.toFixed(1)).join('/')}`,
);
if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 2));
if (opts.plot) {
  const title = `bench:detect, ${report.frames_scored} frames, ${report.date.slice(0, 10)}, reference ${Math.round(referenceStart)} → ${Math.round(referenceEnd)} ms`;
  writeFileSync(opts.plot, await renderVegaLiteSvg(detectionPlotSpec(report.results, title)));
}
