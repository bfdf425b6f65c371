import type { BridgefaceConfig } from '../config/schema.ts';
import type { IdentityEvent } from '../events/identity-event.ts';
import { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import type { FaceEmbedder } from '../models/embedder.ts';
import { MemoryBatchQueue } from '../queue/memory-batch-queue.ts';
import { createMatchStage, loadScoreNormaliser, startCameraStage } from './assemble.ts';
import { LocalDecisionMemory } from './decision-memory.ts';
import type { TrackSighting } from '../eval/track-assignment.ts';
import type { EventSink } from './event-sink.ts';
import type { GallerySource } from './gallery-source.ts';

export interface EmbeddedRunSummary {
  readonly seconds: number;
  readonly frames: number;
  readonly facesDetected: number;
  readonly facesEmbedded: number;
  readonly droppedFaces: number;
  readonly eventCounts: Readonly<Record<IdentityEvent['decision'], number>>;
  readonly matches: readonly {
    readonly trackId: string;
    readonly identity: string | null;
    readonly score: number;
  }[];
  /** Every event in order (decisions and updates), for per-track reports. */
  readonly events: readonly IdentityEvent[];
  /** Box and media time of the crops each track sent to the embedder (maps tracks to ground truth). */
  readonly trackSightings: ReadonlyMap<string, readonly TrackSighting[]>;
}

/** How far a run is: frames decoded so far and events written. */
export interface EmbeddedProgress {
  readonly frames: number;
  readonly events: number;
}

/** How often `onProgress` is called while a run goes on (ms). */
const PROGRESS_INTERVAL_MS = 500;

async function counter(metrics: PipelineMetrics, name: string): Promise<number> {
  const m = await metrics.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).reduce((s, v) => s + v.value, 0);
}

/**
 * Every stage in one process: the in-memory queue replaces BullMQ and nothing needs Redis. Runs until
 * every file camera has ended (or forever for looped files and live streams, until `signal` aborts).
 */
export async function runEmbedded(
  config: BridgefaceConfig,
  deps: {
    embedder: FaceEmbedder;
    gallery: GallerySource;
    sink: EventSink;
    signal?: AbortSignal;
    /** Called every half second while the run goes on, and once at its end. */
    onProgress?: (progress: EmbeddedProgress) => void;
  },
): Promise<EmbeddedRunSummary> {
  const started = Date.now();
  const metrics = new PipelineMetrics();
  const events: IdentityEvent[] = [];
  const sink: EventSink = {
    async append(e, evidence) {
      events.push(e);
      await deps.sink.append(e, evidence);
    },
  };
  const stage = createMatchStage(config, {
    embedder: deps.embedder,
    normaliser: await loadScoreNormaliser(config),
    gallery: deps.gallery,
    decisions: new LocalDecisionMemory(),
    sink,
    metrics,
  });
  const trackSightings = new Map<string, TrackSighting[]>();
  const queue = new MemoryBatchQueue(
    async (b) => {
      for (const c of b.crops) {
        const seen = trackSightings.get(c.trackId) ?? [];
        seen.push({ box: c.box, mediaTimeMs: c.mediaTimeMs ?? 0 });
        trackSightings.set(c.trackId, seen);
      }
      await stage.process(b);
    },
    config.queue.maxBacklog,
    config.queue.policy,
  );
  const cameras = await startCameraStage(config, queue, metrics);
  const aborted = new Promise<void>((resolve) =>
    deps.signal?.addEventListener('abort', () => resolve(), { once: true }),
  );
  const report = (): void => {
    const frames = cameras.status().reduce((n, s) => n + s.frames, 0);
    deps.onProgress?.({ frames, events: events.length });
  };
  const ticker = deps.onProgress ? setInterval(report, PROGRESS_INTERVAL_MS) : undefined;
  try {
    await Promise.race([cameras.finished(), aborted]);
    report();
    await cameras.close();
    await queue.drain();
  } finally {
    clearInterval(ticker);
  }
  const count = (d: IdentityEvent['decision']): number => events.filter((e) => e.decision === d).length;
  return {
    seconds: (Date.now() - started) / 1000,
    frames: await counter(metrics, 'bridgeface_frames_total'),
    facesDetected: await counter(metrics, 'bridgeface_faces_detected_total'),
    facesEmbedded: await counter(metrics, 'bridgeface_faces_embedded_total'),
    droppedFaces: queue.droppedFaces,
    eventCounts: { match: count('match'), unknown: count('unknown'), too_small: count('too_small') },
    matches: events
      .filter((e) => e.decision === 'match')
      .map((e) => ({ trackId: e.trackId, identity: e.identityName, score: e.score })),
    events,
    trackSightings,
  };
}
