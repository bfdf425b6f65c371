import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Per-stage Prometheus metrics of the pipeline, in one registry per process (served at /metrics by the
 * API, summarised by `bridgeface run` and the benchmarks). Names follow Prometheus conventions.
 */
export class PipelineMetrics {
  readonly registry = new Registry();
  readonly frames = new Counter({
    name: 'bridgeface_frames_total',
    help: 'Frames decoded',
    labelNames: ['camera'],
    registers: [this.registry],
  });
  readonly framesSkipped = new Counter({
    name: 'bridgeface_frames_skipped_total',
    help: 'Live frames skipped because detection was still busy with an earlier one',
    labelNames: ['camera'],
    registers: [this.registry],
  });
  readonly detections = new Counter({
    name: 'bridgeface_faces_detected_total',
    help: 'Faces detected',
    labelNames: ['camera'],
    registers: [this.registry],
  });
  readonly detectSeconds = new Histogram({
    name: 'bridgeface_detect_seconds',
    help: 'Detection time per frame',
    labelNames: ['camera'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6],
    registers: [this.registry],
  });
  readonly facesEnqueued = new Counter({
    name: 'bridgeface_faces_enqueued_total',
    help: 'Face crops sent to the embed queue',
    labelNames: ['camera'],
    registers: [this.registry],
  });
  readonly facesDropped = new Counter({
    name: 'bridgeface_faces_dropped_total',
    help: 'Face crops dropped by the backlog policy',
    labelNames: ['camera'],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'bridgeface_queue_depth',
    help: 'Waiting batches in the embed queue',
    registers: [this.registry],
  });
  readonly facesEmbedded = new Counter({
    name: 'bridgeface_faces_embedded_total',
    help: 'Faces embedded',
    registers: [this.registry],
  });
  readonly embedBatchSeconds = new Histogram({
    name: 'bridgeface_embed_batch_seconds',
    help: 'Embedding time per queue batch (including dynamic-batch wait)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: 'bridgeface_events_total',
    help: 'Identity events written',
    labelNames: ['decision', 'kind'],
    registers: [this.registry],
  });
  readonly eventLatencySeconds = new Histogram({
    name: 'bridgeface_frame_to_event_seconds',
    help: 'Time from the frame of a track’s newest crop to its event',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
    registers: [this.registry],
  });
}
