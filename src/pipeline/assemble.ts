import type { BridgefaceConfig, CameraConfig } from '../config/schema.ts';
import { CameraNetworkPolicy } from '../decode/camera-network-policy.ts';
import { CameraSource, type CameraStatus } from '../decode/camera-source.ts';
import { locateFfmpeg } from '../decode/ffmpeg-binary.ts';
import { createFaceDetector, type FaceDetectorOptions } from '../detect/index.ts';
import { detectorOptionsForCamera } from '../detect/options.ts';
import { loadRollEstimator, RollCorrector } from '../detect/roll-correction.ts';
import { DynamicBatcher } from '../embed/dynamic-batcher.ts';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import type { FaceEmbedder } from '../models/embedder.ts';
import type { BatchSink } from '../queue/embed-queue.ts';
import { CameraPipeline } from './camera-pipeline.ts';
import type { DecisionMemory } from './decision-memory.ts';
import type { EventSink } from './event-sink.ts';
import type { GallerySource } from './gallery-source.ts';
import { CohortNormaliser } from '../match/cohort-norm.ts';
import { CohortError, loadCheckedCohort } from '../models/cohort.ts';
import { MatchStage } from './match-stage.ts';

/** Files are processed as fast as the detector allows unless `realtime`; live streams skip frames. */
function isFile(url: string): boolean {
  return !/^(rtsps?|https?):\/\//i.test(url);
}

/** The detector options of one camera: the shared detector section plus the camera's own limits. */
export function detectorOptionsFor(config: BridgefaceConfig, camera: CameraConfig): FaceDetectorOptions {
  return detectorOptionsForCamera(config.detector, camera);
}

export interface CameraStage {
  status(): CameraStatus[];
  /** Resolves when every non-looping file camera has ended or failed (never for live streams). */
  finished(): Promise<void>;
  /** Starts a camera, or restarts it with its new config when the id runs already. */
  upsert(camera: CameraConfig): Promise<void>;
  /** Stops a camera (its tracks are flushed); its final status, or undefined when it was not running. */
  remove(id: string): Promise<CameraStatus | undefined>;
  close(): Promise<void>;
}

interface RunningCamera {
  readonly source: CameraSource;
  readonly pipeline: CameraPipeline;
  readonly done: Promise<void>;
}

/**
 * Runs decode → detect → track → batches for a changing set of cameras: the config's enabled cameras at
 * start, then whatever the camera registry adds, changes or removes (no process restart).
 */
export async function startCameraStage(
  config: BridgefaceConfig,
  sink: BatchSink,
  metrics: PipelineMetrics,
): Promise<CameraStage> {
  const ffmpeg = await locateFfmpeg();
  if (!ffmpeg)
    throw Object.assign(new Error('no ffmpeg found: install ffmpeg or run npm install'), {
      code: 'FFMPEG_MISSING',
    });
  const running = new Map<string, RunningCamera>();
  const networkPolicy = new CameraNetworkPolicy(config.api.cameraNetworks);
  // One roll net for all cameras: it is stateless and tiny.
  const rollCorrector = config.embed.rollCorrection
    ? new RollCorrector(await loadRollEstimator(), config.embed.rollMinDegrees)
    : undefined;

  const start = async (camera: CameraConfig): Promise<void> => {
    const detector = await createFaceDetector(detectorOptionsFor(config, camera));
    const source = new CameraSource({ ...camera, ffmpegPath: ffmpeg.path, networkPolicy });
    const pipeline = new CameraPipeline(source, detector, sink, metrics, {
      cameraId: camera.id,
      fps: camera.fps,
      cropSize: config.embed.cropSize,
      cropMargin: config.embed.cropMargin,
      batchFaces: config.queue.batchFaces,
      batchWaitMs: config.queue.batchWaitMs,
      framePolicy: isFile(camera.url) && !camera.realtime ? 'backpressure' : 'latest',
      tracker: config.tracker,
      submitter: { minHits: config.tracker.minHits, resubmitQualityGain: config.tracker.resubmitQualityGain },
      rollCorrector,
    });
    const done = new Promise<void>((resolve) => {
      source.on('state', (s) => {
        if (s.state === 'ended' || s.state === 'failed' || s.state === 'stopped') resolve();
      });
    }).then(async () => {
      await pipeline.finish();
      detector.dispose();
    });
    running.set(camera.id, { source, pipeline, done });
    source.start();
  };

  const remove = async (id: string): Promise<CameraStatus | undefined> => {
    const cam = running.get(id);
    if (!cam) return undefined;
    running.delete(id);
    await cam.pipeline.close();
    await cam.done;
    return cam.source.status();
  };

  for (const camera of config.cameras.filter((c) => c.enabled)) await start(camera);
  let closing: Promise<void> | undefined;
  return {
    status: () => [...running.values()].map((c) => c.source.status()),
    finished: () => Promise.all([...running.values()].map((c) => c.done)).then(() => undefined),
    async upsert(camera) {
      await remove(camera.id);
      if (camera.enabled) await start(camera);
    },
    remove,
    close() {
      closing ??= Promise.all([...running.keys()].map((id) => remove(id))).then(() =>
        rollCorrector?.dispose(),
      );
      return closing;
    },
  };
}

export interface MatchDeps {
  readonly embedder: FaceEmbedder;
  /** Required when `match.scoreNorm` is `cohort`: see `loadScoreNormaliser`. */
  readonly normaliser?: CohortNormaliser;
  readonly gallery: GallerySource;
  readonly decisions: DecisionMemory;
  readonly sink: EventSink;
  readonly metrics: PipelineMetrics;
}

/** The embed + match half: one dynamic batcher shared by every job this process handles. */
export function createMatchStage(config: BridgefaceConfig, deps: MatchDeps): MatchStage {
  const batcher = new DynamicBatcher(deps.embedder, {
    maxBatch: config.embed.maxBatch,
    maxWaitMs: config.embed.maxWaitMs,
    onModelCall: (_faces, seconds) => deps.metrics.embedModelSeconds.observe(seconds),
  });
  return new MatchStage(batcher, deps.gallery, deps.decisions, deps.sink, deps.metrics, {
    model: deps.embedder.name,
    topK: config.match.topK,
    policy: {
      minFacePx: config.match.minFacePx,
      thresholds: config.match.thresholds,
      minMargin: config.match.minMargin,
      minQuality: config.match.minQuality,
    },
    evidenceFor: config.events.evidenceFor,
    normaliser: config.match.scoreNorm === 'cohort' ? requireNormaliser(deps.normaliser) : undefined,
  });
}

function requireNormaliser(n: CohortNormaliser | undefined): CohortNormaliser {
  if (!n) throw new CohortError('match.scoreNorm is cohort but no score-normalisation cohort was loaded');
  return n;
}

/**
 * The cohort normaliser the config asks for (`match.scoreNorm: cohort`), from the probe model's
 * cohort.json, checked against its weights and the `enrol` section; undefined for `none`. Fails with a
 * CohortError that says how to fix it (calibrate the model, or switch normalisation off).
 */
export async function loadScoreNormaliser(config: BridgefaceConfig): Promise<CohortNormaliser | undefined> {
  if (config.match.scoreNorm === 'none') return undefined;
  const cohort = await loadCheckedCohort(config.embed.model, config.enrol, config.embed);
  return new CohortNormaliser(cohort.vectors, config.match.cohortTopK);
}
