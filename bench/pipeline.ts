/**
 * End-to-end pipeline benchmark on real clips with the real Redis: the camera role and the embed role
 * in one process, talking only through BullMQ and the events stream (as in production, minus the
 * network). Clips: the generated demo clip, and the CCTV clip `--cctv-clip` (default
 * ../shared/data/cctv/vtest.avi) when present; without it only the demo clip runs.
 *
 *   npm run bench:pipeline [-- --json out.json] [--model teacher|student] [--max-seconds 60] [--cctv-clip f]
 *                          [--detector tiled-small|tiled-tiny]
 *
 * Reports frames/s, faces/s, frame-to-event latency p50/p95 (event-stream write time minus the wall
 * time of the frame the decision's best crop came from: includes tracking hold-back, queueing and
 * embedding), drops, detect ms/frame and embed ms/batch. Frames are read as fast as the process takes
 * them (not at the clip's pace), so frames/s ÷ 5 is how many 5 fps cameras this one process would keep
 * up with (`cameras_at_5fps`; FFmpeg decodes in its own process). The JSON records the machine-speed
 * reference measured in the same run (bench/reference.ts).
 */
import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { cpus, loadavg } from 'node:os';
import { Queue } from 'bullmq';
import { configSchema, type BridgefaceConfig } from '../src/config/schema.ts';
import { ensureDemoAssets } from '../src/demo/demo-assets.ts';
import { createEnroller } from '../src/embed/enroller.ts';
import { EventLog } from '../src/store/event-log.ts';
import { decodeImage } from '../src/image/decode.ts';
import type { PipelineMetrics } from '../src/metrics/pipeline-metrics.ts';
import { studentModelDir } from '../src/models/model-paths.ts';
import { startCameraRole } from '../workers/camera-role.ts';
import { connectRedis } from '../workers/connect-redis.ts';
import { startEmbedRole } from '../workers/embed-role.ts';
import { EMBED_QUEUE } from '../src/queue/embed-queue.ts';
import { RedisKeys } from '../src/store/redis-keys.ts';
import { deleteAllKeys } from '../src/store/delete-keys.ts';
import { WatchlistStore } from '../src/store/watchlist-store.ts';
import { quantile } from '../src/util/quantile.ts';
import { tinyTileReferenceMs } from './reference.ts';
import { initBackend } from '../src/runtime/backend.ts';
import { pxOrOff, routingFromFlags } from '../src/cli/options.ts';
import { CONFIG_DEFAULTS } from '../src/config/defaults.ts';
import { blendWeightsInUse, type ProbeRouting } from '../src/models/size-routed.ts';

interface ClipResult {
  readonly clip: string;
  readonly model: string;
  readonly frames: number;
  readonly seconds: number;
  readonly frames_per_second: number;
  readonly faces_detected: number;
  readonly faces_embedded: number;
  readonly faces_per_second: number;
  readonly events: number;
  readonly matches: number;
  readonly latency_ms_p50: number | null;
  readonly latency_ms_p95: number | null;
  readonly dropped: number;
  readonly detect_ms_per_frame: number;
  readonly embed_ms_per_batch: number;
  readonly embed_batches: number;
  readonly detector: string;
  readonly cameras_at_5fps: number;
}

/**
 * The detector settings per type: the demo's for face-api's tiny net (threshold 0.3 on soft faces),
 * the schema defaults for the small-face net; both from 14 px faces.
 */
const DETECTORS = {
  'tiled-tiny': { type: 'tiled-tiny', minFaceSize: 14, scoreThreshold: 0.3 },
  'tiled-small': { type: 'tiled-small', minFaceSize: 14 },
} as const;
type DetectorChoice = keyof typeof DETECTORS;

async function metricSum(m: PipelineMetrics, name: string, suffix = ''): Promise<number> {
  const v = await m.registry.getSingleMetric(name)?.get();
  return (v?.values ?? [])
    .filter((x) => (suffix === '' ? true : (x as { metricName?: string }).metricName === `${name}${suffix}`))
    .reduce((s, x) => s + x.value, 0);
}

/** The camera role's crop and the embed role's probe routing, as the config would set them. */
interface EmbedChoice {
  readonly rollCorrection: boolean;
  readonly routing: ProbeRouting;
}

async function runClip(
  clip: string,
  url: string,
  model: string,
  maxSeconds: number,
  detector: DetectorChoice,
  embedChoice: EmbedChoice,
  enrol?: readonly { name: string; photo: Buffer; photoPath: string }[],
): Promise<ClipResult> {
  const prefix = `bfbench-${randomBytes(4).toString('hex')}`;
  const config: BridgefaceConfig = configSchema.parse({
    redis: { prefix },
    cameras: [{ id: clip, url, fps: 5, width: 768, height: 576 }],
    detector: DETECTORS[detector],
    embed: { model, concurrency: 2, rollCorrection: embedChoice.rollCorrection, ...embedChoice.routing },
    queue: { batchWaitMs: 50 },
  });
  const keys = new RedisKeys(prefix);
  const redis = connectRedis(config);
  try {
    if (enrol) {
      const enroller = await createEnroller(model, config.enrol, config.embed);
      const store = new WatchlistStore(redis, keys);
      try {
        for (const w of enrol) {
          const e = await enroller.enrolPhoto(await decodeImage(w.photo, w.photoPath), w.photoPath);
          await store.enrol({ name: w.name, model: enroller.model, embeddings: [e] });
        }
      } finally {
        enroller.dispose();
      }
    }
    const embedRole = await startEmbedRole(config, redis);
    const started = performance.now();
    const cameraRole = await startCameraRole(config, redis);
    const timeout = new Promise<void>((r) => setTimeout(r, maxSeconds * 1000).unref());
    await Promise.race([cameraRole.finished, timeout]);
    await cameraRole.close();
    const queue = new Queue(EMBED_QUEUE, { connection: redis, prefix: keys.queuePrefix() });
    for (;;) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(c).every((n) => n === 0)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await queue.close();
    const seconds = (performance.now() - started) / 1000;
    await embedRole.close();

    const cm = cameraRole.metrics;
    const em = embedRole.metrics;
    const frames = await metricSum(cm, 'bridgeface_frames_total');
    const detectSum = await metricSum(cm, 'bridgeface_detect_seconds', '_sum');
    const detectCount = await metricSum(cm, 'bridgeface_detect_seconds', '_count');
    const embedSum = await metricSum(em, 'bridgeface_embed_batch_seconds', '_sum');
    const embedCount = await metricSum(em, 'bridgeface_embed_batch_seconds', '_count');
    const stored = await new EventLog(redis, keys, config.events).readAfter('0', 100_000);
    const latencies = stored
      .map((s) => Number(s.streamId.split('-')[0]) - s.event.frameTimeMs)
      .sort((a, b) => a - b);
    const facesEmbedded = await metricSum(em, 'bridgeface_faces_embedded_total');
    return {
      clip,
      model,
      detector,
      frames,
      seconds: Number(seconds.toFixed(2)),
      frames_per_second: Number((frames / seconds).toFixed(2)),
      faces_detected: await metricSum(cm, 'bridgeface_faces_detected_total'),
      faces_embedded: facesEmbedded,
      faces_per_second: Number((facesEmbedded / seconds).toFixed(2)),
      events: stored.length,
      matches: stored.filter((s) => s.event.decision === 'match').length,
      latency_ms_p50: quantile(latencies, 0.5),
      latency_ms_p95: quantile(latencies, 0.95),
      dropped:
        (await metricSum(cm, 'bridgeface_faces_dropped_total')) +
        (await metricSum(cm, 'bridgeface_frames_skipped_total')),
      detect_ms_per_frame: Number(((1000 * detectSum) / Math.max(1, detectCount)).toFixed(1)),
      embed_ms_per_batch: Number(((1000 * embedSum) / Math.max(1, embedCount)).toFixed(1)),
      embed_batches: embedCount,
      cameras_at_5fps: Number((frames / seconds / 5).toFixed(2)),
    };
  } finally {
    await deleteAllKeys(redis, keys).catch(() => {});
    await redis.quit().catch(() => redis.disconnect());
  }
}

function table(rows: readonly ClipResult[]): string {
  const cols: (keyof ClipResult)[] = [
    'clip',
    'model',
    'detector',
    'frames',
    'frames_per_second',
    'cameras_at_5fps',
    'faces_embedded',
    'faces_per_second',
    'latency_ms_p50',
    'latency_ms_p95',
    'dropped',
    'detect_ms_per_frame',
    'embed_ms_per_batch',
    'events',
    'matches',
  ];
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '-')));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (xs: readonly string[]): string => xs.map((x, i) => x.padStart(widths[i]!)).join('  ');
  return [line(cols), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const values = new Command('bench:pipeline')
    .option('--json <file>', 'also write the results as JSON')
    .option('--model <spec>', 'student (default when trained), teacher or a model directory')
    .option('--max-seconds <n>', 'stop each clip after this long', '90')
    .option(
      '--cctv-clip <file>',
      'a 768x576 CCTV clip run after the demo clip',
      '../shared/data/cctv/vtest.avi',
    )
    .addOption(
      new Option('--detector <type>', "the camera role's detector")
        .choices(Object.keys(DETECTORS))
        .default('tiled-small'),
    )
    .option('--no-roll-correction', 'cut every crop axis-aligned (embed.rollCorrection: false)')
    .option(
      '--teacher-from <px>',
      'faces from this size embedded by the teacher + adapter alone (embed.teacherFromPx); "off": never',
      pxOrOff('--teacher-from'),
      CONFIG_DEFAULTS.embed.teacherFromPx,
    )
    .option(
      '--blend-from <px>',
      'faces from this size up to --teacher-from embedded by the student and the teacher + adapter, averaged (embed.blendFromPx); "off": never',
      pxOrOff('--blend-from'),
      CONFIG_DEFAULTS.embed.blendFromPx,
    )
    .parse()
    .opts<{
      json?: string;
      model?: string;
      maxSeconds: string;
      cctvClip: string;
      detector: DetectorChoice;
      rollCorrection: boolean;
      teacherFrom: number | 'off' | null;
      blendFrom: number | 'off' | null;
    }>();
  const embedChoice: EmbedChoice = {
    rollCorrection: values.rollCorrection,
    routing: routingFromFlags(values.blendFrom, values.teacherFrom),
  };
  const hasStudent = (await stat(join(studentModelDir(), 'model.json')).catch(() => null)) !== null;
  const model = values.model ?? (hasStudent ? 'student' : 'teacher');
  const maxSeconds = Number(values.maxSeconds);
  const results: ClipResult[] = [];
  await initBackend();
  const load = [loadavg()[0]!];
  const reference = [await tinyTileReferenceMs()];
  const demo = await ensureDemoAssets();
  results.push(
    await runClip('demo', demo.clipPath, model, maxSeconds, values.detector, embedChoice, demo.watchlist),
  );
  if ((await stat(values.cctvClip).catch(() => null)) !== null) {
    results.push(await runClip('vtest', values.cctvClip, model, maxSeconds, values.detector, embedChoice));
  } else {
    console.log(`skipping the CCTV clip: ${values.cctvClip} is not present (--cctv-clip)`);
  }
  reference.push(await tinyTileReferenceMs());
  load.push(loadavg()[0]!);
  console.log(table(results));
  console.log(
    `reference (face-api tiny net, one 640x480 tile): ${reference.map((r) => r.toFixed(0)).join(' → ')} ms; ` +
      `load ${load.map((l) => l.toFixed(1)).join(' → ')}`,
  );
  if (values.json) {
    const machine = { reference_tiny_tile_ms: reference, load_average_1m: load, cpus: cpus().length };
    const settings = {
      detector: values.detector,
      roll_correction: values.rollCorrection,
      teacher_from_px: embedChoice.routing.teacherFromPx,
      blend_from_px: embedChoice.routing.blendFromPx,
      blend_weights: blendWeightsInUse(embedChoice.routing),
    };
    await writeFile(values.json, JSON.stringify({ machine, settings, results }, null, 2));
    console.log(`written ${values.json}`);
  }
  process.exit(0);
}

await main();
