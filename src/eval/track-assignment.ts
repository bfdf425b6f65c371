import type { Box } from '../image/box.ts';
import { truthBox, type ClipTruth } from './clip-truth.ts';

/** Where a track's face was in one frame: its detector box and the frame's media time. */
export interface TrackSighting {
  readonly box: Box;
  readonly mediaTimeMs: number;
}

/**
 * How much of the smaller of a track's box and a truth box the two share for the sighting to count for
 * that subject. Detectors frame faces differently (face-api's tiny detector draws boxes ~1.6x the side
 * of its SSD detector's, hair and chin included), so the overlap is measured against the smaller box,
 * with the sides within MAX_SIDE_RATIO of each other, rather than as IoU.
 */
const MIN_ASSIGNMENT_OVERLAP = 0.5;
/** Largest ratio between the sides of a track's box and a truth box that can still be the same face. */
const MAX_SIDE_RATIO = 2.2;

/** Intersection over the smaller box's area; 0 when the boxes' sizes are too far apart to be one face. */
export function faceOverlap(a: Box, b: Box): number {
  const sa = Math.max(a.width, a.height);
  const sb = Math.max(b.width, b.height);
  if (!(sa > 0 && sb > 0) || Math.max(sa, sb) / Math.min(sa, sb) > MAX_SIDE_RATIO) return 0;
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (ix * iy) / Math.min(a.width * a.height, b.width * b.height);
}

/** The truth faces by native frame index. */
function facesByFrame(truth: ClipTruth): Map<number, ClipTruth['faces']> {
  const out = new Map<number, ClipTruth['faces'][number][]>();
  for (const f of truth.faces) out.set(f.frame, [...(out.get(f.frame) ?? []), f]);
  return out;
}

/**
 * Each track's subject, by box overlap: every sighting votes for the truth face that overlaps it
 * most (`faceOverlap` at least `minOverlap`) in the truth frame at the sighting's media time (the two neighbouring
 * native frames when the pipeline decoded at another rate); a track goes to the subject with most
 * votes. Tracks that overlap no truth face (false detections) are left out.
 */
export function assignTracks(
  truth: ClipTruth,
  sightings: ReadonlyMap<string, readonly TrackSighting[]>,
  minOverlap: number = MIN_ASSIGNMENT_OVERLAP,
): Map<string, string> {
  const byFrame = facesByFrame(truth);
  const out = new Map<string, string>();
  for (const [trackId, seen] of sightings) {
    const votes = new Map<string, number>();
    for (const s of seen) {
      const at = (s.mediaTimeMs * truth.fps) / 1000;
      const frames = new Set([Math.round(at), Math.floor(at), Math.ceil(at)]);
      let best: { subject: string; overlap: number } | undefined;
      for (const frame of frames) {
        for (const face of byFrame.get(frame) ?? []) {
          const overlap = faceOverlap(s.box, truthBox(face));
          if (overlap >= minOverlap && (!best || overlap > best.overlap))
            best = { subject: face.subject, overlap };
        }
      }
      if (best) votes.set(best.subject, (votes.get(best.subject) ?? 0) + 1);
    }
    const top = [...votes].sort((a, b) => b[1] - a[1])[0];
    if (top) out.set(trackId, top[0]);
  }
  return out;
}
