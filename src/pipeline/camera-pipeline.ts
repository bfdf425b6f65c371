import { randomUUID } from 'node:crypto';
import type { CameraSource, Frame } from '../decode/camera-source.ts';
import { chipWindowFromDetection } from '../detect/chip-window.ts';
import { cropFace } from '../detect/crop-face.ts';
import type { RollCorrector } from '../detect/roll-correction.ts';
import { TrackRegions } from '../detect/track-regions.ts';
import type { FaceDetector } from '../detect/types.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import type { BatchSink } from '../queue/embed-queue.ts';
import { encodeFaceBatch, type FaceCropMeta } from '../queue/face-batch.ts';
import { FaceTracker, type TrackerOptions, type TrackerUpdate } from '../track/face-tracker.ts';
import { faceQuality } from '../track/face-quality.ts';
import { log } from '../util/log.ts';
import { TrackSubmitter, type SubmitterOptions } from './track-submitter.ts';

export interface CameraPipelineOptions {
  readonly cameraId: string;
  /** Frames per second the source delivers: frame index / fps is a frame's media time. */
  readonly fps: number;
  readonly cropSize: number;
  readonly cropMargin: number;
  /** Crops per queue job. */
  readonly batchFaces: number;
  /** Longest crops wait for a batch to fill (ms). */
  readonly batchWaitMs: number;
  /**
   * `backpressure`: pause decoding while detection is busy (clips processed as fast as possible: no
   * frame lost). `latest`: live streams; a frame arriving while busy replaces the waiting one, and the
   * replaced frame is counted as skipped.
   */
  readonly framePolicy: 'backpressure' | 'latest';
  readonly tracker?: Partial<TrackerOptions>;
  readonly submitter?: Partial<SubmitterOptions>;
  /** Re-cuts tilted faces upright (config `embed.rollCorrection`); crops stay axis-aligned without it. */
  readonly rollCorrector?: RollCorrector;
}

interface Crop {
  readonly image: RgbImage;
  readonly facePx: number;
  readonly frameTimeMs: number;
  readonly frameIndex: number;
  readonly mediaTimeMs: number;
}

/**
 * One camera's half of the pipeline: frames → detect → track → (when a track is due) its best crops →
 * batches on the embed queue. Runs in the camera worker, or in-process in embedded mode.
 */
export class CameraPipeline {
  private readonly tracker: FaceTracker<Crop>;
  private readonly submitter: TrackSubmitter<Crop>;
  /** The tracker's live tracks, whose predicted boxes the detector re-scans every frame. */
  private readonly trackRegions = new TrackRegions();
  private pending: { meta: FaceCropMeta; image: RgbImage }[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private waiting: Frame[] = [];
  private busy: Promise<void> | undefined;
  private submitting: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly source: CameraSource,
    private readonly detector: FaceDetector,
    private readonly sink: BatchSink,
    private readonly metrics: PipelineMetrics,
    private readonly options: CameraPipelineOptions,
  ) {
    this.tracker = new FaceTracker<Crop>(options.cameraId, options.tracker);
    this.submitter = new TrackSubmitter<Crop>(options.submitter);
    source.on('frame', (frame) => this.onFrame(frame));
    source.on('state', (s) => {
      // A reconnect breaks continuity: forget the motion background (tracks simply time out).
      if (s.state === 'connecting') this.detector.reset();
    });
  }

  private onFrame(frame: Frame): void {
    if (this.closed) return;
    this.metrics.frames.inc({ camera: this.options.cameraId });
    if (this.options.framePolicy === 'latest' && this.waiting.length > 0) {
      this.waiting.shift();
      this.metrics.framesSkipped.inc({ camera: this.options.cameraId });
    }
    this.waiting.push(frame);
    if (this.options.framePolicy === 'backpressure' && this.busy) this.source.pause();
    this.busy ??= this.drainFrames();
  }

  private async drainFrames(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const frame = this.waiting.shift()!;
        try {
          await this.processFrame(frame);
        } catch (err) {
          // A frame that cannot be processed is logged and skipped; the camera keeps running.
          log.error(
            {
              camera: this.options.cameraId,
              seq: frame.seq,
              err: err instanceof Error ? err.message : String(err),
            },
            'frame failed',
          );
        }
        if (this.waiting.length === 0) this.source.resume();
      }
    } finally {
      this.busy = undefined;
    }
  }

  private async processFrame(frame: Frame): Promise<void> {
    const cam = this.options.cameraId;
    const end = this.metrics.detectSeconds.startTimer({ camera: cam });
    const detections = await this.detector.detect(frame.image, {
      regionsOfInterest: this.trackRegions.regions(frame.seq),
    });
    end();
    this.metrics.detections.inc({ camera: cam }, detections.length);
    // The window reproduces the canonical chip from the detector box (see detect/chip-window.ts).
    const windows = detections.map((d) => chipWindowFromDetection(d.box, this.options.cropMargin));
    const images = this.options.rollCorrector
      ? (await this.options.rollCorrector.crop(frame.image, windows, this.options.cropSize)).images
      : windows.map((w) => cropFace(frame.image, w, this.options.cropSize, 0));
    const inputs = detections.map((d, i) => {
      const image = images[i]!;
      const facePx = Math.max(d.box.width, d.box.height);
      return {
        box: d.box,
        score: d.score,
        quality: faceQuality({ sizePx: facePx, crop: image, score: d.score }),
        crop: {
          image,
          facePx,
          frameTimeMs: frame.timeMs,
          frameIndex: frame.seq,
          mediaTimeMs: (frame.seq * 1000) / this.options.fps,
        },
      };
    });
    const update = this.tracker.update(frame.seq, frame.timeMs, inputs);
    this.trackRegions.observe(update);
    this.enqueue(update);
  }

  private enqueue(update: TrackerUpdate<Crop>): void {
    for (const { track } of this.submitter.select(update)) {
      for (const sample of track.best) {
        this.pending.push({
          meta: {
            trackId: track.id,
            facePx: sample.crop.facePx,
            quality: sample.quality,
            box: sample.box,
            frameTimeMs: sample.crop.frameTimeMs,
            frameIndex: sample.crop.frameIndex,
            mediaTimeMs: sample.crop.mediaTimeMs,
          },
          image: sample.crop.image,
        });
      }
    }
    if (this.pending.length >= this.options.batchFaces) this.flush();
    else if (this.pending.length > 0)
      this.batchTimer ??= setTimeout(() => this.flush(), this.options.batchWaitMs);
  }

  /** Sends the pending crops as one batch (tracks are never split across batches). */
  private flush(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.pending.length === 0) return;
    const crops = this.pending;
    this.pending = [];
    const batch = encodeFaceBatch(
      { batchId: randomUUID(), camera: this.options.cameraId, enqueuedAtMs: Date.now() },
      this.options.cropSize,
      crops,
    );
    const cam = this.options.cameraId;
    this.submitting = this.submitting
      .then(async () => {
        const droppedBefore = this.sink.droppedFaces;
        await this.sink.submit(batch);
        this.metrics.facesEnqueued.inc({ camera: cam }, crops.length);
        const dropped = this.sink.droppedFaces - droppedBefore;
        if (dropped > 0) this.metrics.facesDropped.inc({ camera: cam }, dropped);
      })
      .catch((err: unknown) => {
        // The queue is unreachable: these crops are lost; say so loudly and count them.
        this.metrics.facesDropped.inc({ camera: cam }, crops.length);
        log.error(
          { camera: cam, faces: crops.length, err: err instanceof Error ? err.message : String(err) },
          'could not enqueue face batch',
        );
      });
  }

  /** Processes what is waiting, ends all tracks (final decisions) and sends the last batch. */
  async finish(): Promise<void> {
    while (this.busy) await this.busy;
    this.enqueue({ active: [], ended: this.tracker.flush() });
    this.trackRegions.clear();
    this.flush();
    await this.submitting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.source.close();
    await this.finish();
    this.closed = true;
  }
}
