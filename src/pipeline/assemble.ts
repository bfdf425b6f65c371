import type { BridgefaceConfig, CameraConfig } from '../config/schema.ts';
import { CameraSource, type CameraStatus } from '../decode/camera-source.ts';
import { locateFfmpeg } from '../decode/ffmpeg-binary.ts';
import { createFaceDetector, type FaceDetectorOptions } from '../detect/index.ts';
import { DynamicBatcher } from '../embed/dynamic-batcher.ts';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import type { FaceEmbedder } from '../models/embedder.ts';
import type { BatchSink } from '../queue/embed-queue.ts';
import { CameraPipeline } from './camera-pipeline.ts';
import type { DecisionMemory } from './decision-memory.ts';
import type { EventSink } from './event-sink.ts';
import type { GallerySource } from './gallery-source.ts';
import { MatchStage } from './match-stage.ts';

/** Files are processed as fast as the detector allows unless `realtime`; live streams skip frames. */
function isFile(url: string): boolean {
  return !/^(rtsps?|https?):\/\//i.test(url);
}

/** The detector options of one camera: the shared detector section plus the camera's own limits. */
export function detectorOptionsFor(config: BridgefaceConfig, camera: CameraConfig): FaceDetectorOptions {
  const base = { ...config.detector } as Record<string, unknown>;
  if (String(base.type).startsWith('tiled-')) base.minFaceSize = base.minFaceSize ?? camera.minFacePx;
  const zones = [...((base.ignoreZones as unknown[] | undefined) ?? []), ...camera.ignoreZones];
  return { ...base, ignoreZones: zones } as unknown as FaceDetectorOptions;
}

export interface CameraStage {
  readonly pipelines: readonly CameraPipeline[];
  readonly sources: readonly CameraSource[];
  status(): CameraStatus[];
  /** Resolves when every non-looping file camera has ended or failed (never for live streams). */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}

/** Starts decode → detect → track → batches for every enabled camera of the config. */
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
  const cameras = config.cameras.filter((c) => c.enabled);
  const sources: CameraSource[] = [];
  const pipelines: CameraPipeline[] = [];
  const ends: Promise<void>[] = [];
  for (const camera of cameras) {
    const detector = await createFaceDetector(detectorOptionsFor(config, camera));
    const source = new CameraSource({ ...camera, ffmpegPath: ffmpeg.path });
    const pipeline = new CameraPipeline(source, detector, sink, metrics, {
      cameraId: camera.id,
      cropSize: config.embed.cropSize,
      cropMargin: config.embed.cropMargin,
      batchFaces: config.queue.batchFaces,
      batchWaitMs: config.queue.batchWaitMs,
      framePolicy: isFile(camera.url) && !camera.realtime ? 'backpressure' : 'latest',
      tracker: config.tracker,
      submitter: { minHits: config.tracker.minHits, resubmitQualityGain: config.tracker.resubmitQualityGain },
    });
    ends.push(
      new Promise<void>((resolve) => {
        source.on('state', (s) => {
          if (s.state === 'ended' || s.state === 'failed' || s.state === 'stopped') resolve();
        });
      }).then(() => pipeline.finish()),
    );
    sources.push(source);
    pipelines.push(pipeline);
  }
  for (const s of sources) s.start();
  let closing: Promise<void> | undefined;
  return {
    pipelines,
    sources,
    status: () => sources.map((s) => s.status()),
    finished: Promise.all(ends).then(() => undefined),
    close() {
      closing ??= Promise.all(pipelines.map((p) => p.close())).then(() => undefined);
      return closing;
    },
  };
}

export interface MatchDeps {
  readonly embedder: FaceEmbedder;
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
  });
}
