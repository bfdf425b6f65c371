import type { Box } from '../image/box.ts';
import type { RgbImage } from '../image/rgb-image.ts';

/**
 * Layout of the demo's procedural "CCTV" scene: a static plaza in front of buildings, seen from a
 * raised camera (frame size, horizon, perspective), the walking scripts (lanes) and where each walker
 * is at an instant (pose, occlusion). Drawing lives in scene-background.ts, walker-render.ts,
 * sensor-noise.ts and osd.ts; encoding in clip-encoder.ts.
 */

export const SCENE_WIDTH = 768;
export const SCENE_HEIGHT = 576;
export const SCENE_FPS = 10;
/** Image row of the vanishing line: a face of side f has its feet at HORIZON_Y + f / PERSPECTIVE. */
export const HORIZON_Y = 200;
/** Face side (px) per pixel of feet distance below the horizon. */
const PERSPECTIVE = 0.11;
/** Row where the buildings meet the plaza. */
export const BUILDING_BASE_Y = 312;
/** Body height (feet to crown) in face sides. */
const BODY_FACES = 8.2;
/** Smallest and largest face side (the larger side of the face box) in frame pixels. */
const FACE_SIZE_RANGE = [14, 40] as const;

/** A face to paste: a region of a photo around the face, with the detector box in region coordinates. */
export interface FaceSprite {
  readonly image: RgbImage;
  readonly box: Box;
}

/** One point of a walk, in clip time `u` (0..1): feet x as a fraction of the frame width, face side. */
export interface Waypoint {
  readonly u: number;
  readonly x: number;
  readonly size: number;
}

/** A person in the scene: face, clothes and path. */
export interface Walker {
  readonly sprite: FaceSprite;
  readonly path: readonly Waypoint[];
  readonly shirt: readonly [number, number, number];
  readonly trousers: readonly [number, number, number];
  /** Average colour of the face region's border: the head (hair) colour the sprite blends into. */
  readonly hair: readonly [number, number, number];
  /** Average colour of the face centre, for the neck. */
  readonly skin: readonly [number, number, number];
  /** Walk-cycle phase offset, radians. */
  readonly phase: number;
}

/** Where a walker is at one instant; undefined outside its path's time span. */
export interface Pose {
  readonly feetX: number;
  readonly feetY: number;
  /** Face side in frame pixels. */
  readonly size: number;
  /** Face-box centre in frame pixels. */
  readonly faceX: number;
  readonly faceY: number;
  /** The sprite's detector box mapped into the frame. */
  readonly faceBox: Box;
  /** Leg/arm swing, -1..1. */
  readonly swing: number;
}

/** The walking scripts, in clip time; identity i takes lane i. Sizes are clamped to FACE_SIZE_RANGE. */
export const LANES: readonly (readonly Waypoint[])[] = [
  [
    { u: 0.0, x: 0.12, size: 17 },
    { u: 0.45, x: 1.08, size: 18 },
  ],
  [
    { u: 0.0, x: 0.9, size: 24 },
    { u: 0.4, x: -0.08, size: 23 },
  ],
  [
    { u: 0.15, x: 0.3, size: 14 },
    { u: 0.47, x: 0.42, size: 31 },
    { u: 0.62, x: 1.1, size: 38 },
  ],
  [
    { u: 0.28, x: -0.1, size: 34 },
    { u: 0.6, x: 1.1, size: 36 },
  ],
  [
    { u: 0.45, x: 1.08, size: 21 },
    { u: 0.9, x: -0.08, size: 20 },
  ],
  [
    { u: 0.5, x: 0.78, size: 14 },
    { u: 0.78, x: 0.56, size: 30 },
    { u: 0.9, x: -0.12, size: 33 },
  ],
  [
    { u: 0.6, x: -0.1, size: 27 },
    { u: 1.0, x: 0.95, size: 34 },
  ],
  [
    { u: 0.68, x: 1.08, size: 15 },
    { u: 1.0, x: 0.12, size: 14 },
  ],
];

/** Doors the "towards the camera" lanes come out of (feet x as a fraction of the width). */
export const DOORS = [0.3, 0.78];

export const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** Clip time of frame `t` out of `frames`, in (0, 1). */
export function clipTime(t: number, frames: number): number {
  return (t + 0.5) / frames;
}

/** A walker's pose at clip time u, or undefined when it is not in the scene. */
export function poseAt(walker: Walker, u: number): Pose | undefined {
  const path = walker.path;
  if (u < path[0].u || u > path[path.length - 1].u) return undefined;
  let k = 0;
  while (k < path.length - 2 && u > path[k + 1].u) k++;
  const a = path[k];
  const b = path[k + 1];
  const f = b.u > a.u ? (u - a.u) / (b.u - a.u) : 0;
  const size = clamp(a.size + (b.size - a.size) * f, FACE_SIZE_RANGE[0], FACE_SIZE_RANGE[1]);
  const feetX = (a.x + (b.x - a.x) * f) * SCENE_WIDTH;
  const feetY = HORIZON_Y + size / PERSPECTIVE;
  // Walk cycle: about one stride per 1.6 face sides... of travel, scaled by apparent size.
  const travelled = Math.abs(b.x - a.x) * SCENE_WIDTH * f + (size - a.size) * 8;
  const swing = Math.sin(travelled / (size * 1.1) + walker.phase);
  const { box } = walker.sprite;
  const scale = size / Math.max(box.width, box.height);
  const w = box.width * scale;
  const h = box.height * scale;
  const faceX = feetX + 0.05 * size * swing;
  const faceY = feetY - BODY_FACES * size + 0.6 * h - 0.04 * size * Math.abs(swing);
  return {
    feetX,
    feetY,
    size,
    faceX,
    faceY,
    faceBox: { x: faceX - w / 2, y: faceY - h / 2, width: w, height: h },
    swing,
  };
}

/** Whether a box lies entirely inside the frame. */
export function insideFrame(box: Box): boolean {
  return box.x >= 0 && box.y >= 0 && box.x + box.width <= SCENE_WIDTH && box.y + box.height <= SCENE_HEIGHT;
}

/** Fraction of a face box covered by the bounding boxes of the given (nearer) walkers' bodies. */
export function occludedFraction(face: Box, nearer: readonly Pose[]): number {
  let worst = 0;
  for (const p of nearer) {
    const halfW = 0.9 * p.size;
    const top = p.faceBox.y - 0.1 * p.size;
    const ix = Math.max(
      0,
      Math.min(face.x + face.width, p.feetX + halfW) - Math.max(face.x, p.feetX - halfW),
    );
    const iy = Math.max(0, Math.min(face.y + face.height, p.feetY) - Math.max(face.y, top));
    worst = Math.max(worst, (ix * iy) / (face.width * face.height));
  }
  return Math.min(1, worst);
}
