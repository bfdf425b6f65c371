import { CONFIG_DEFAULTS } from '../config/defaults.ts';
import { centreDistance, iou, type Box } from '../image/box.ts';
import { withDefaults, type OptionsInput } from '../util/with-defaults.ts';

export interface TrackerOptions {
  /** Minimum IoU between a track's predicted box and a detection to associate them. @defaultValue 0.2 */
  readonly iouThreshold: number;
  /**
   * Alternative gate for small, fast faces whose boxes no longer overlap between frames: centre distance
   * in mean box sides. @defaultValue 1.5
   */
  readonly maxCentreDistance: number;
  /** Frames a track survives without a detection before it ends. @defaultValue 8 */
  readonly maxMissedFrames: number;
  /** Crops kept per track, best quality first. @defaultValue 4 */
  readonly bestCrops: number;
}

/** The config's `tracker` defaults (src/config/schema.ts). */
export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = Object.freeze({
  iouThreshold: CONFIG_DEFAULTS.tracker.iouThreshold,
  maxCentreDistance: CONFIG_DEFAULTS.tracker.maxCentreDistance,
  maxMissedFrames: CONFIG_DEFAULTS.tracker.maxMissedFrames,
  bestCrops: CONFIG_DEFAULTS.tracker.bestCrops,
});

/** A face detection entering the tracker; `crop` is opaque to it (an image, a key, …). */
export interface TrackInput<C> {
  readonly box: Box;
  readonly score: number;
  /** Crop quality in [0, 1] (see face-quality.ts); decides which crops a track keeps. */
  readonly quality: number;
  readonly crop: C;
}

export interface TrackSample<C> {
  readonly crop: C;
  readonly quality: number;
  readonly box: Box;
  readonly frameSeq: number;
  readonly timeMs: number;
}

export interface Track<C> {
  readonly id: string;
  readonly cameraId: string;
  readonly firstSeenMs: number;
  lastSeenMs: number;
  lastFrameSeq: number;
  hits: number;
  missed: number;
  box: Box;
  /** Box-centre velocity in px per frame, for prediction. */
  vx: number;
  vy: number;
  /** Best crops so far, sorted by quality, descending. */
  best: TrackSample<C>[];
  /** Samples added in the last update (for incremental embedding). */
  fresh: TrackSample<C>[];
}

export interface TrackerUpdate<C> {
  /** Tracks seen in this frame. */
  readonly active: readonly Track<C>[];
  /** Tracks that ended (missed for too long); they will not be updated again. */
  readonly ended: readonly Track<C>[];
}

function predict(t: Track<unknown>, frames: number): Box {
  return { ...t.box, x: t.box.x + t.vx * frames, y: t.box.y + t.vy * frames };
}

/**
 * Per-camera multi-face tracker: greedy association on IoU of constant-velocity predictions, with a
 * centre-distance gate for small faces that move more than their own size between frames.
 */
export class FaceTracker<C> {
  private readonly tracks: Track<C>[] = [];
  private nextId = 1;
  private readonly options: TrackerOptions;

  constructor(
    readonly cameraId: string,
    options: OptionsInput<TrackerOptions> = {},
  ) {
    this.options = withDefaults(DEFAULT_TRACKER_OPTIONS, options);
  }

  get size(): number {
    return this.tracks.length;
  }

  update(frameSeq: number, timeMs: number, detections: readonly TrackInput<C>[]): TrackerUpdate<C> {
    const o = this.options;
    const pairs: { t: number; d: number; score: number }[] = [];
    for (const [ti, t] of this.tracks.entries()) {
      const predicted = predict(t, frameSeq - t.lastFrameSeq);
      for (const [di, d] of detections.entries()) {
        const overlap = iou(predicted, d.box);
        const dist = centreDistance(predicted, d.box);
        if (overlap >= o.iouThreshold || dist <= o.maxCentreDistance) {
          pairs.push({ t: ti, d: di, score: overlap + Math.max(0, 1 - dist / o.maxCentreDistance) });
        }
      }
    }
    pairs.sort((a, b) => b.score - a.score);
    const usedT = new Set<number>();
    const usedD = new Set<number>();
    for (const t of this.tracks) t.fresh = [];
    const active: Track<C>[] = [];
    for (const { t, d } of pairs) {
      if (usedT.has(t) || usedD.has(d)) continue;
      usedT.add(t);
      usedD.add(d);
      const track = this.tracks[t]!;
      this.observe(track, detections[d]!, frameSeq, timeMs);
      active.push(track);
    }
    for (const [di, d] of detections.entries()) {
      if (usedD.has(di)) continue;
      const track: Track<C> = {
        id: `${this.cameraId}:${this.nextId++}`,
        cameraId: this.cameraId,
        firstSeenMs: timeMs,
        lastSeenMs: timeMs,
        lastFrameSeq: frameSeq,
        hits: 0,
        missed: 0,
        box: d.box,
        vx: 0,
        vy: 0,
        best: [],
        fresh: [],
      };
      this.observe(track, d, frameSeq, timeMs);
      this.tracks.push(track);
      active.push(track);
    }
    const ended: Track<C>[] = [];
    for (let i = this.tracks.length - 1; i >= 0; i--) {
      const t = this.tracks[i]!;
      if (t.lastFrameSeq === frameSeq) continue;
      t.missed = frameSeq - t.lastFrameSeq;
      if (t.missed > o.maxMissedFrames) {
        this.tracks.splice(i, 1);
        ended.push(t);
      }
    }
    return { active, ended };
  }

  /** Ends every open track (end of clip, shutdown). */
  flush(): Track<C>[] {
    return this.tracks.splice(0, this.tracks.length);
  }

  private observe(t: Track<C>, d: TrackInput<C>, frameSeq: number, timeMs: number): void {
    if (t.hits > 0) {
      const frames = Math.max(1, frameSeq - t.lastFrameSeq);
      const cx = d.box.x - t.box.x;
      const cy = d.box.y - t.box.y;
      // Smoothed velocity: detector jitter on 12 px faces is a large fraction of their size.
      t.vx = 0.5 * t.vx + 0.5 * (cx / frames);
      t.vy = 0.5 * t.vy + 0.5 * (cy / frames);
    }
    t.box = d.box;
    t.hits++;
    t.missed = 0;
    t.lastFrameSeq = frameSeq;
    t.lastSeenMs = timeMs;
    const sample: TrackSample<C> = { crop: d.crop, quality: d.quality, box: d.box, frameSeq, timeMs };
    const worst = t.best.length < this.options.bestCrops ? -Infinity : t.best[t.best.length - 1]!.quality;
    if (d.quality > worst) {
      t.best.push(sample);
      t.best.sort((a, b) => b.quality - a.quality);
      t.best.length = Math.min(t.best.length, this.options.bestCrops);
      t.fresh.push(sample);
    }
  }
}
