import type { Box } from '../image/box.ts';
import type { RegionOfInterest } from './types.ts';

/**
 * Regions of interest from a tracker's live tracks: where each tracked face should be in the next
 * frame, so the detector re-detects it there at the scale of its size (`RegionOfInterest.faceSize`),
 * on every frame, while the costly new-face search runs only every `scanEvery`-th frame.
 *
 * Only the fields read here are required, so this stays independent of the tracker's own types
 * (`Track` in src/track/face-tracker.ts satisfies `TrackedFace`).
 */
export interface TrackedFace {
  readonly id: string;
  /** Last detected box, frame px. */
  readonly box: Box;
  /** Box velocity, frame px per frame. */
  readonly vx: number;
  readonly vy: number;
  /** Frame number of the last detection. */
  readonly lastFrameSeq: number;
}

/** What a tracker update reports (the shape of `TrackerUpdate`). */
export interface TrackedFaceUpdate {
  /** Tracks seen in this frame (new ones included). */
  readonly active: readonly TrackedFace[];
  /** Tracks that ended. */
  readonly ended: readonly TrackedFace[];
}

export interface TrackRegionOptions {
  /**
   * Search margin around the predicted box, as a fraction of the face side (context for the net and
   * room for prediction error; 0.75 re-detected 16–24 px faces 93 % of the time vs 88 % at 0.5 in
   * bench:detect). @defaultValue 0.75
   */
  readonly sizeMargin?: number;

  /**
   * Extra margin per frame since the last detection, as a multiple of the track's speed (px/frame):
   * covers acceleration and velocity noise. @defaultValue 1.5
   */
  readonly speedMargin?: number;
  /** Extra margin per missed frame, as a fraction of the face side. @defaultValue 0.25 */
  readonly missMargin?: number;
}

/**
 * The region to search for `track`'s face in frame `frameSeq`: the constant-velocity prediction,
 * grown by the uncertainty margins. `faceSize` is the track's box side.
 */
export function predictRegion(
  track: TrackedFace,
  frameSeq: number,
  options: TrackRegionOptions = {},
): RegionOfInterest {
  const sizeMargin = options.sizeMargin ?? 0.75;
  const speedMargin = options.speedMargin ?? 1.5;
  const missMargin = options.missMargin ?? 0.25;
  const { box } = track;
  const frames = Math.max(1, frameSeq - track.lastFrameSeq);
  const side = Math.max(box.width, box.height);
  const speed = Math.hypot(track.vx, track.vy);
  const margin = sizeMargin * side + speedMargin * speed * frames + missMargin * side * (frames - 1);
  return {
    x: box.x + track.vx * frames - margin,
    y: box.y + track.vy * frames - margin,
    width: box.width + 2 * margin,
    height: box.height + 2 * margin,
    faceSize: side,
  };
}

/**
 * The live tracks of one camera, followed from the tracker's updates (a track is live from the
 * update that reports it active until the one that reports it ended), and their regions of interest.
 * Track objects are the tracker's own (mutable) ones, so predictions use their current state.
 */
export class TrackRegions {
  private readonly live = new Map<string, TrackedFace>();

  constructor(private readonly options: TrackRegionOptions = {}) {}

  /** Number of live tracks followed. */
  get size(): number {
    return this.live.size;
  }

  /** Feeds one tracker update. */
  observe(update: TrackedFaceUpdate): void {
    for (const t of update.active) this.live.set(t.id, t);
    for (const t of update.ended) this.live.delete(t.id);
  }

  /** Regions of interest for frame `frameSeq` (the next frame to detect in). */
  regions(frameSeq: number): RegionOfInterest[] {
    return [...this.live.values()].map((t) => predictRegion(t, frameSeq, this.options));
  }

  /** Forgets every track (e.g. the tracker was flushed). */
  clear(): void {
    this.live.clear();
  }
}
