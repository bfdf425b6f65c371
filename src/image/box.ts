/** Axis-aligned box in image pixels. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Intersection over union of two boxes; 0 when either is empty. */
export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Distance between box centres divided by the mean box side: scale-free motion measure. */
export function centreDistance(a: Box, b: Box): number {
  const dx = a.x + a.width / 2 - (b.x + b.width / 2);
  const dy = a.y + a.height / 2 - (b.y + b.height / 2);
  const side = (a.width + a.height + b.width + b.height) / 4;
  return side > 0 ? Math.hypot(dx, dy) / side : Infinity;
}

/** Whether point (x, y) lies in the box ([x, x + width) x [y, y + height)). */
export function containsPoint(b: Box, x: number, y: number): boolean {
  return x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;
}

/**
 * The square of side `sideFactor · (1 + 2·margin)` times the box's larger side, horizontally centred on
 * the box and `dyFactor` times that side below its centre: how one detector's box convention maps to
 * another's (or to a crop window).
 */
export function squareAbout(box: Box, sideFactor: number, dyFactor: number, margin = 0): Box {
  const s = Math.max(box.width, box.height);
  const side = s * sideFactor * (1 + 2 * margin);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2 + dyFactor * s;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}
