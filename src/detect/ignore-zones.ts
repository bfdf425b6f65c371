import type { Box } from '../image/box.ts';

/**
 * Ignore zones: parts of the frame where detections are dropped (a poster, a TV screen, a mirror, a
 * road with passing cars). In frame pixels. A detection is ignored when its box centre lies inside a
 * zone — centre rather than overlap, so that a real face at a zone's edge is kept.
 */
export type IgnoreZone =
  | { readonly rect: Box }
  /** Vertices in order (either winding); at least 3. */
  | { readonly polygon: readonly (readonly [number, number])[] };

/** Even-odd ray casting; points on an edge count as inside for the lower/left edges only. */
export function pointInPolygon(
  x: number,
  y: number,
  polygon: readonly (readonly [number, number])[],
): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** True when (x, y) lies in the zone (rects are half-open: [x, x + width) x [y, y + height)). */
export function pointInZone(x: number, y: number, zone: IgnoreZone): boolean {
  if ('rect' in zone) {
    const r = zone.rect;
    return x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
  }
  return pointInPolygon(x, y, zone.polygon);
}

/** Keeps the items whose box centre lies in no zone. */
export function filterIgnoreZones<T extends { readonly box: Box }>(
  items: readonly T[],
  zones: readonly IgnoreZone[],
): T[] {
  if (zones.length === 0) return [...items];
  return items.filter(({ box }) => {
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    return !zones.some((z) => pointInZone(cx, cy, z));
  });
}

/** Keeps the items whose box side (the larger of width and height) lies in [minSize, maxSize]. */
export function filterBySize<T extends { readonly box: Box }>(
  items: readonly T[],
  minSize: number,
  maxSize: number,
): T[] {
  return items.filter(({ box }) => {
    const side = Math.max(box.width, box.height);
    return side >= minSize && side <= maxSize;
  });
}
