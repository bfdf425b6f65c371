import { iou, type Box } from '../image/box.ts';
import { truthBox, type ClipTruth } from './clip-truth.ts';

/** Where a track's face was in one frame: its detector box and the frame's media time. */
export interface TrackSighting {
  readonly box: Box;
  readonly mediaTimeMs: number;
}

/** Smallest IoU between a track's box and a truth box for the sighting to count for that subject. */
export const MIN_ASSIGNMENT_IOU = 0.25;

/** The truth faces by native frame index. */
function facesByFrame(truth: ClipTruth): Map<number, ClipTruth['faces']> {
  const out = new Map<number, ClipTruth['faces'][number][]>();
  for (const f of truth.faces) out.set(f.frame, [...(out.get(f.frame) ?? []), f]);
  return out;
}

/**
 * Each track's subject, by box overlap: every sighting votes for the truth face that overlaps it
 * most (IoU at least `minIou`) in the truth frame at the sighting's media time (the two neighbouring
 * native frames when the pipeline decoded at another rate); a track goes to the subject with most
 * votes. Tracks that overlap no truth face (false detections) are left out.
 */
export function assignTracks(
  truth: ClipTruth,
  sightings: ReadonlyMap<string, readonly TrackSighting[]>,
  minIou: number = MIN_ASSIGNMENT_IOU,
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
          const overlap = iou(s.box, truthBox(face));
          if (overlap >= minIou && (!best || overlap > best.overlap))
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
