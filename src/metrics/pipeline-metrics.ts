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
  // Where an embed worker's time per face goes: one histogram per stage of the job handler (MatchStage),
  // timed with performance.now(). Stage times are wall clock: with `embed.concurrency` > 1 the awaits of
  // one job (Redis round trips, the batcher) overlap other jobs' work.
  readonly embedDecodeSeconds = new Histogram({
    name: 'bridgeface_embed_decode_seconds',
    help: 'Decoding a queue batch payload (base64 pixels to crops), per queue batch',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025],
    registers: [this.registry],
  });
  readonly embedModelSeconds = new Histogram({
    name: 'bridgeface_embed_model_seconds',
    help: 'Embedder forward pass per dynamic-batcher model call (no batching wait; may merge several queue batches)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly matchSeconds = new Histogram({
    name: 'bridgeface_match_seconds',
    help: 'Fusing track embeddings, watchlist search and open-set decisions, per queue batch',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });
  readonly eventWriteSeconds = new Histogram({
    name: 'bridgeface_event_write_seconds',
    help: 'Decision memory read/write, evidence encoding and event append, per queue batch',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });
  readonly embedJobSeconds = new Histogram({
    name: 'bridgeface_embed_job_seconds',
    help: 'Whole embed-worker job handler per queue batch (decode to last event), wall clock',
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

  /** Cumulative seconds spent in each embed-worker stage since the process started (histogram sums). */
  async embedStageSeconds(): Promise<EmbedStageSeconds> {
    const [decode, embed, model, match, eventWrite, job] = await Promise.all(
      [
        this.embedDecodeSeconds,
        this.embedBatchSeconds,
        this.embedModelSeconds,
        this.matchSeconds,
        this.eventWriteSeconds,
        this.embedJobSeconds,
      ].map(histogramSum),
    );
    return {
      decode: decode!,
      embed: embed!,
      model: model!,
      match: match!,
      eventWrite: eventWrite!,
      job: job!,
    };
  }
}

/**
 * Cumulative seconds per embed-worker stage. `model` is the forward pass alone; `embed` is what the
 * jobs waited for their embeddings (batching wait + queueing behind other model calls + the pass);
 * `job` is the whole handler. All are wall clock, summed over jobs (or model calls for `model`).
 */
export interface EmbedStageSeconds {
  readonly decode: number;
  readonly embed: number;
  readonly model: number;
  readonly match: number;
  readonly eventWrite: number;
  readonly job: number;
}

/** Sum of all observations of a histogram (over every label set). */
async function histogramSum(h: Histogram): Promise<number> {
  const { values } = await h.get();
  return values.filter((v) => v.metricName?.endsWith('_sum')).reduce((s, v) => s + v.value, 0);
}
