import { containsPoint, iou, type Box } from '../image/box.ts';

/**
 * Scores a face detector against ground-truth face boxes, frame by frame: the matching protocol behind
 * `bench:detect`'s recall and precision figures (docs/BENCHMARKS.md).
 *
 * - Match: detections by descending score, each to the unmatched truth with the highest IoU ≥ 0.3;
 *   failing that, for truths ≤ 16 px (where a 2–3 px offset alone drops IoU under 0.3), to an unmatched
 *   truth that contains the detection's centre when the detection's side is within 0.5–2x the truth's.
 * - Unmatched detections are "don't care" (neither true nor false) when their side is ≤ 18 px and their
 *   centre lies on a walking person (a motion region of the clean frame: real pedestrians' faces are not
 *   labelled); every other unmatched detection is a false positive, at any size.
 * - Recall by truth size class; precision by size buckets true positives by their truth's size class and
 *   false positives by the size class nearest the detection's side.
 * - First detection: per face of a clip, the frame of its first detection counted from its entry
 *   (1 = at once), faces never found, and recall counted only from each face's first detection on.
 */

/** IoU a detection needs with a truth box to match it. */
const MATCH_IOU = 0.3;
/** Truth faces up to this side (px) may also match by centre and size. */
const SMALL_FACE_MAX_SIDE = 16;
/** Unmatched detections up to this side (px) on a walking person are "don't care". */
const DONT_CARE_MAX_SIDE = 18;

/** A detection to score: its box and confidence (higher is matched first). */
export interface ScoredDetection {
  readonly box: Box;
  readonly score: number;
}

/** A ground-truth face in one frame. */
export interface TruthFace {
  readonly box: Box;
  /** Index of the face's size class in the tally's `sizes`. */
  readonly sizeIndex: number;
  /** Which face of the clip it is (0-based, < the clip's face count): for first-detection delay. */
  readonly face: number;
  /** The face's frame since it entered the view, 1 = its first. */
  readonly framesInView: number;
}

/** Counts by size class (index into `sizes`) and first-detection state, accumulated over frames. */
export interface DetectionTally {
  readonly sizes: readonly number[];
  /** Truth faces per size class. */
  readonly gt: number[];
  /** Matched truth faces per size class. */
  readonly tp: number[];
  /** False positives per size class nearest the detection's side. */
  readonly fpBySize: number[];
  fp: number;
  dontCare: number;
  /** Per clip face found: the frame of its first detection since it entered (1 = at once). */
  readonly firstHit: number[];
  /** Clip faces never detected in their clip. */
  neverFound: number;
  /** Truth and matched faces per size class counted only from each face's first detection on. */
  readonly gtFound: number[];
  readonly tpFound: number[];
  /** The current clip's faces' first-detection frames (undefined: not found yet). */
  clipFirstHit: (number | undefined)[];
}

/** Detections on face-free frames: every one not on a walking person is a false positive. */
export interface FaceFreeTally {
  frames: number;
  fp: number;
  dontCare: number;
  /** The rounded side of each false positive. */
  readonly fpSides: number[];
}

export function createDetectionTally(sizes: readonly number[]): DetectionTally {
  const zeros = (): number[] => sizes.map(() => 0);
  return {
    sizes,
    gt: zeros(),
    tp: zeros(),
    fpBySize: zeros(),
    fp: 0,
    dontCare: 0,
    firstHit: [],
    neverFound: 0,
    gtFound: zeros(),
    tpFound: zeros(),
    clipFirstHit: [],
  };
}

export function createFaceFreeTally(): FaceFreeTally {
  return { frames: 0, fp: 0, dontCare: 0, fpSides: [] };
}

/** Index of the size class nearest `side` (the first on a tie). */
export function nearestSizeIndex(sizes: readonly number[], side: number): number {
  let best = 0;
  for (let i = 1; i < sizes.length; i++)
    if (Math.abs(sizes[i]! - side) < Math.abs(sizes[best]! - side)) best = i;
  return best;
}

const sideOf = (b: Box): number => Math.max(b.width, b.height);

/** Whether an unmatched detection is "don't care": small and centred on a walking person. */
function isDontCare(box: Box, pedestrians: readonly Box[]): boolean {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return sideOf(box) <= DONT_CARE_MAX_SIDE && pedestrians.some((p) => containsPoint(p, cx, cy));
}

/**
 * Matches detections to truth boxes (the protocol above). Returns, per detection in the given order,
 * the index of the truth it matched or -1.
 */
export function matchDetections(detections: readonly ScoredDetection[], truths: readonly Box[]): number[] {
  const used = new Array<boolean>(truths.length).fill(false);
  const matched = new Array<number>(detections.length).fill(-1);
  const order = detections.map((_, i) => i).sort((a, b) => detections[b]!.score - detections[a]!.score);
  for (const i of order) {
    const d = detections[i]!.box;
    let best = -1;
    let bestIou = MATCH_IOU;
    truths.forEach((g, k) => {
      const v = iou(d, g);
      if (!used[k] && v >= bestIou) {
        best = k;
        bestIou = v;
      }
    });
    if (best < 0) {
      const cx = d.x + d.width / 2;
      const cy = d.y + d.height / 2;
      const side = sideOf(d);
      best = truths.findIndex(
        (g, k) =>
          !used[k] &&
          g.width <= SMALL_FACE_MAX_SIDE &&
          containsPoint(g, cx, cy) &&
          side >= 0.5 * g.width &&
          side <= 2 * g.width,
      );
    }
    if (best >= 0) {
      used[best] = true;
      matched[i] = best;
    }
  }
  return matched;
}

/** Starts a clip of `faces` faces: closes the previous clip's first-detection state. */
export function startClip(t: DetectionTally, faces: number): void {
  endClip(t);
  t.clipFirstHit = new Array<number | undefined>(faces).fill(undefined);
}

/** Ends the current clip: its faces' first detections (or never found) enter the tally. */
export function endClip(t: DetectionTally): void {
  for (const f of t.clipFirstHit) {
    if (f === undefined) t.neverFound++;
    else t.firstHit.push(f);
  }
  t.clipFirstHit = [];
}

/**
 * Scores one frame of a clip into `t`. `pedestrians`: motion regions of the clean frame (empty when
 * the whole frame moved). Returns, per truth, whether a detection matched it.
 */
export function scoreFrame(
  t: DetectionTally,
  detections: readonly ScoredDetection[],
  truths: readonly TruthFace[],
  pedestrians: readonly Box[],
): boolean[] {
  for (const g of truths) t.gt[g.sizeIndex]!++;
  const matched = matchDetections(
    detections,
    truths.map((g) => g.box),
  );
  const hit = new Array<boolean>(truths.length).fill(false);
  detections.forEach((d, i) => {
    const k = matched[i]!;
    if (k >= 0) {
      hit[k] = true;
      t.tp[truths[k]!.sizeIndex]!++;
    } else if (isDontCare(d.box, pedestrians)) {
      t.dontCare++;
    } else {
      t.fp++;
      t.fpBySize[nearestSizeIndex(t.sizes, sideOf(d.box))]!++;
    }
  });
  truths.forEach((g, k) => {
    const first = t.clipFirstHit;
    if (hit[k] && first[g.face] === undefined) first[g.face] = g.framesInView;
    if (first[g.face] !== undefined) {
      t.gtFound[g.sizeIndex]!++;
      if (hit[k]) t.tpFound[g.sizeIndex]!++;
    }
  });
  return hit;
}

/** Scores the detections of a frame with no face in it: `pedestrians` as for `scoreFrame`. */
export function scoreFaceFreeFrame(
  t: FaceFreeTally,
  detections: readonly ScoredDetection[],
  pedestrians: readonly Box[],
): void {
  t.frames++;
  for (const d of detections) {
    if (isDontCare(d.box, pedestrians)) t.dontCare++;
    else {
      t.fp++;
      t.fpSides.push(Math.round(sideOf(d.box)));
    }
  }
}

/** Recall, precision and first-detection delay of a tally; ratios are null when undefined (0/0). */
export interface DetectionScores {
  readonly recall_by_size: Readonly<Record<number, number | null>>;
  readonly precision_by_size: Readonly<Record<number, number | null>>;
  /** Recall over the size classes 16–24 px. */
  readonly recall_16_24: number | null;
  /** Recall over the size classes of 32 px and up. */
  readonly recall_32_up: number | null;
  readonly recall: number | null;
  /** Recall from each face's first detection on, 16–24 px and 32 px up. */
  readonly recall_found_16_24: number | null;
  readonly recall_found_32_up: number | null;
  readonly precision: number | null;
  readonly tp: number;
  readonly fp: number;
  readonly dont_care: number;
  readonly gt: number;
  /** Mean frame of a face's first detection since it entered (1 = at once); 0 when none was found. */
  readonly first_hit_frame_mean: number;
  readonly faces_never_found: number;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const sum = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0);

/** The scores of a tally (call `endClip` first so the last clip's faces count). */
export function detectionScores(t: DetectionTally): DetectionScores {
  const band = (counts: readonly number[], lo: number, hi: number): number =>
    sum(counts.filter((_, i) => t.sizes[i]! >= lo && t.sizes[i]! <= hi));
  const bandRecall = (tp: readonly number[], gt: readonly number[], lo: number, hi: number) =>
    ratio(band(tp, lo, hi), band(gt, lo, hi));
  const tp = sum(t.tp);
  const gt = sum(t.gt);
  return {
    recall_by_size: Object.fromEntries(t.sizes.map((s, i) => [s, ratio(t.tp[i]!, t.gt[i]!)])),
    precision_by_size: Object.fromEntries(
      t.sizes.map((s, i) => [s, ratio(t.tp[i]!, t.tp[i]! + t.fpBySize[i]!)]),
    ),
    recall_16_24: bandRecall(t.tp, t.gt, 16, 24),
    recall_32_up: bandRecall(t.tp, t.gt, 32, Infinity),
    recall: ratio(tp, gt),
    recall_found_16_24: bandRecall(t.tpFound, t.gtFound, 16, 24),
    recall_found_32_up: bandRecall(t.tpFound, t.gtFound, 32, Infinity),
    precision: ratio(tp, tp + t.fp),
    tp,
    fp: t.fp,
    dont_care: t.dontCare,
    gt,
    first_hit_frame_mean: sum(t.firstHit) / Math.max(1, t.firstHit.length),
    faces_never_found: t.neverFound,
  };
}
