import { CONFIG_DEFAULTS } from '../config/defaults.ts';
import type { Track, TrackerUpdate } from '../track/face-tracker.ts';
import { withDefaults, type OptionsInput } from '../util/with-defaults.ts';

export type SubmitReason = 'first' | 'improved' | 'final';

export interface SubmitterOptions {
  /** Frames a track needs before its first decision (fewer are mostly false detections). @defaultValue 3 */
  readonly minHits: number;
  /** Resubmit when the best crop's quality has grown by this factor since the last submission. @defaultValue 1.3 */
  readonly resubmitQualityGain: number;
  /** A track that ends before minHits is still decided once if it had at least this many hits. @defaultValue 2 */
  readonly minHitsAtEnd: number;
}

/** `minHits` and `resubmitQualityGain` are the config's `tracker` defaults (src/config/schema.ts). */
export const DEFAULT_SUBMITTER_OPTIONS: SubmitterOptions = Object.freeze({
  minHits: CONFIG_DEFAULTS.tracker.minHits,
  resubmitQualityGain: CONFIG_DEFAULTS.tracker.resubmitQualityGain,
  minHitsAtEnd: 2,
});

/**
 * Decides when a track's best crops go to the embedder: once when the track is established, again
 * whenever a clearly better crop arrives (the decision may become more confident: an `update` event),
 * and once at the end for short tracks never decided. Bounds embedding work per person to a few
 * submissions instead of one per frame.
 */
export class TrackSubmitter<C> {
  private readonly submittedQuality = new Map<string, number>();
  private readonly options: SubmitterOptions;

  constructor(options: OptionsInput<SubmitterOptions> = {}) {
    this.options = withDefaults(DEFAULT_SUBMITTER_OPTIONS, options);
  }

  select(update: TrackerUpdate<C>): { track: Track<C>; reason: SubmitReason }[] {
    const out: { track: Track<C>; reason: SubmitReason }[] = [];
    for (const track of update.active) {
      const best = track.best[0]?.quality ?? 0;
      const last = this.submittedQuality.get(track.id);
      if (last === undefined) {
        if (track.hits >= this.options.minHits) out.push({ track, reason: 'first' });
      } else if (best > 0 && best >= last * this.options.resubmitQualityGain) {
        out.push({ track, reason: 'improved' });
      }
    }
    for (const track of update.ended) {
      if (
        !this.submittedQuality.has(track.id) &&
        track.hits >= this.options.minHitsAtEnd &&
        track.best.length > 0
      ) {
        out.push({ track, reason: 'final' });
      }
      this.submittedQuality.delete(track.id);
    }
    for (const { track, reason } of out) {
      if (reason !== 'final') this.submittedQuality.set(track.id, track.best[0]?.quality ?? 0);
    }
    return out;
  }

  /** Open tracks with a submission on record (for tests and metrics). */
  get tracked(): number {
    return this.submittedQuality.size;
  }
}
