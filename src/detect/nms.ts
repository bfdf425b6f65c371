import { iou, type Box } from '../image/box.ts';

/** Anything with a box and a score; NMS keeps the caller's objects (and their extra fields). */
export interface Scored {
  readonly box: Box;
  readonly score: number;
}

export interface NmsOptions {
  /** A box is suppressed when its IoU with a kept, higher-scoring box exceeds this. @defaultValue 0.3 */
  readonly iouThreshold?: number;
  /**
   * Also suppress when the intersection covers more than this fraction of the smaller box. Tiling
   * cuts faces at tile borders: the cut half yields a small box inside the whole face's box whose
   * IoU stays low; intersection-over-minimum catches it. 1 disables. @defaultValue 0.7
   */
  readonly containThreshold?: number;
  /** Keep at most this many. @defaultValue Infinity */
  readonly maxResults?: number;
}

/** Intersection area divided by the smaller box's area; 0 when either is empty. */
export function intersectionOverMin(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const small = Math.min(a.width * a.height, b.width * b.height);
  return small > 0 ? (ix * iy) / small : 0;
}

/**
 * Greedy non-maximum suppression: highest score first, each kept box suppresses the rest that overlap
 * it (IoU above `iouThreshold`, or intersection-over-minimum above `containThreshold`). Ties keep input
 * order (stable sort), so the result is deterministic. Returns a new array, best first.
 */
export function nonMaxSuppression<T extends Scored>(items: readonly T[], options: NmsOptions = {}): T[] {
  const iouThreshold = options.iouThreshold ?? 0.3;
  const containThreshold = options.containThreshold ?? 0.7;
  const maxResults = options.maxResults ?? Infinity;
  const order = items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => b.item.score - a.item.score || a.index - b.index);
  const kept: T[] = [];
  for (const { item } of order) {
    if (kept.length >= maxResults) break;
    let suppressed = false;
    for (const k of kept) {
      if (iou(k.box, item.box) > iouThreshold || intersectionOverMin(k.box, item.box) > containThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(item);
  }
  return kept;
}
