import type { Command } from 'commander';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { configSchema } from '../../config/schema.ts';
import { ensureDemoAssets } from '../../demo/demo-assets.ts';
import { demoClipTruth, demoSubjectLabel } from '../../demo/demo-report.ts';
import { createEnroller } from '../../embed/enroller.ts';
import { formatReplayScore, inFrameOrder, scoreReplay } from '../../eval/replay-score.ts';
import { assignTracks } from '../../eval/track-assignment.ts';
import { decodeImage } from '../../image/decode.ts';
import { REPO_ROOT, studentModelDir } from '../../models/model-paths.ts';
import { createProbeEmbedder } from '../../models/registry.ts';
import { runEmbedded } from '../../pipeline/embedded.ts';
import {
  ConsoleAlertSink,
  FanoutEventSink,
  JsonlEventSink,
  type EventSink,
} from '../../pipeline/event-sink.ts';
import { StaticGallerySource } from '../../pipeline/gallery-source.ts';
import { configOrDefaults } from '../options.ts';
import { stageLine } from '../stage-line.ts';

interface DemoOptions {
  readonly loop?: boolean;
  readonly model?: string;
  readonly events: string;
  readonly json?: string;
  readonly config?: string;
}

/**
 * Cosine thresholds for the demo (HR watchlist photo vs a 14-40 px CCTV face). A student runs at the
 * config defaults (the shipped student's FAR 1e-4 points from `bridgeface calibrate`, for the fused
 * gallery); the teacher, used only when no student is trained, embeds into another space and gets
 * hand-set thresholds of its own (not calibrated).
 */
const TEACHER_DEMO_THRESHOLDS = [
  { minFacePx: 10, threshold: 0.6 },
  { minFacePx: 20, threshold: 0.55 },
];

async function demoAction(o: DemoOptions): Promise<void> {
  // A site config lends its enrol and match sections (e.g. thresholds calibrated for --model); the
  // camera, detector and model stay the demo's. Read first: a bad file fails before any work.
  const site = await configOrDefaults(o.config);
  const hasStudent = (await stat(join(studentModelDir(), 'model.json')).catch(() => null)) !== null;
  const model = o.model ?? (hasStudent ? 'student' : 'teacher');
  if (!hasStudent && !o.model) console.log('no trained student in models/student: the demo runs the teacher');
  const progress = stageLine();
  progress.start('preparing the demo clip and watchlist (generated once, cached in .cache/demo)');
  const assets = await ensureDemoAssets();
  progress.done(assets.reused ? 'cached' : 'generated');
  progress.start(`loading the ${model} model and enrolling the watchlist`);
  const probe = await createProbeEmbedder(model, site.embed);
  const enrol = site.enrol;
  const enroller = await createEnroller(model, enrol, site.embed);
  const entries = [];
  const names = new Map<string, string>();
  try {
    for (const w of assets.watchlist) {
      const embedding = await enroller.enrolPhoto(await decodeImage(w.photo, w.photoPath), w.photoPath);
      entries.push({ identityId: w.identityKey, embeddings: [embedding] });
      names.set(w.identityKey, w.name);
    }
  } finally {
    enroller.dispose();
  }
  progress.done(`${entries.length} people`);
  console.log(
    `watchlist: ${assets.watchlist.map((w) => w.name).join(', ')} (one photo each, ${enrol.gallery} gallery in the ${enroller.model} space)`,
  );

  const config = configSchema.parse({
    cameras: [
      { id: 'demo-cam', url: assets.clipPath, fps: 5, width: 768, height: 576, loop: o.loop ?? false },
    ],
    // The default detector (BridgeFace's small-face net) at its default threshold, from 14 px faces.
    detector: { type: 'tiled-small', minFaceSize: 14 },
    embed: {
      model,
      rollCorrection: site.embed.rollCorrection,
      rollMinDegrees: site.embed.rollMinDegrees,
      teacherFromPx: site.embed.teacherFromPx,
      blendFromPx: site.embed.blendFromPx,
      blendWeights: site.embed.blendWeights,
    },
    enrol,
    match:
      probe.name === 'teacher'
        ? { ...site.match, thresholds: TEACHER_DEMO_THRESHOLDS, scoreNorm: 'none' }
        : site.match,
  });
  const eventsPath = resolve(o.events);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  // Looping runs forever: events print as they come. A single pass prints them afterwards, in frame order.
  const sinks: EventSink[] = [new JsonlEventSink(eventsPath, { replace: true })];
  if (o.loop) sinks.push(new ConsoleAlertSink());
  progress.start(`processing the clip (${config.cameras[0]!.fps} fps)`);
  const summary = await runEmbedded(config, {
    embedder: probe,
    gallery: new StaticGallerySource(entries, names, probe.dim),
    sink: new FanoutEventSink(sinks),
    signal: abort.signal,
    onProgress: (p) => progress.update(`${p.frames} frames, ${p.events} events`),
  });
  progress.done(`${summary.frames} frames, ${summary.events.length} events`);
  probe.dispose();
  if (!o.loop) {
    const printer = new ConsoleAlertSink();
    for (const e of inFrameOrder(summary.events)) await printer.append(e);
  }

  const c = summary.eventCounts;
  console.log(
    `\nsummary: ${summary.frames} frames in ${summary.seconds.toFixed(1)} s (${(summary.frames / summary.seconds).toFixed(1)} fps), ` +
      `${summary.facesDetected} faces detected, ${summary.facesEmbedded} embedded, ${summary.droppedFaces} dropped; ` +
      `events: ${c.match} match, ${c.unknown} unknown, ${c.too_small} too small (model ${probe.name})`,
  );
  const truth = demoClipTruth(assets.truth);
  const score = scoreReplay({
    truth,
    enrolled: new Set(entries.map((e) => e.identityId)),
    events: summary.events,
    trackSubjects: assignTracks(truth, summary.trackSightings),
    frames: summary.frames,
    seconds: summary.seconds,
  });
  const table = formatReplayScore(score, {
    label: demoSubjectLabel(assets.truth),
    name: (id) => names.get(id) ?? id,
  });
  console.log(`\nper person against the clip's ground truth:\n${table}`);
  console.log(`\nevery decision of this run (one JSON object per line): ${eventsPath}`);
  if (o.json) {
    await mkdir(dirname(resolve(o.json)), { recursive: true });
    await writeFile(o.json, `${JSON.stringify(score, null, 2)}\n`);
    console.log(`score (the JSON of replay --truth) written to ${o.json}`);
  }
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'embedded default: the whole pipeline in one process on a generated CCTV clip with a demo watchlist (no Redis)',
    )
    .option('--loop', 'keep playing the clip until Ctrl-C')
    .option(
      '--model <model>',
      'student, teacher, or a model directory (default: student when trained, else teacher)',
    )
    .option(
      '--events <file>',
      'JSONL file of every decision (match, unknown, too small), rewritten each run',
      join(REPO_ROOT, 'artifacts', 'demo-events.jsonl'),
    )
    .option('--json <file>', 'write the per-person score as JSON (the format of replay --truth --json)')
    .option(
      '--config <file>',
      "site config whose enrol and match sections and roll correction the demo uses (e.g. thresholds calibrated for --model's model)",
    )
    .action(demoAction);
}
