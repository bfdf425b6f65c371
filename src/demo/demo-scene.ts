import type { Box } from '../image/box.ts';
import { areaResampleFloat } from '../image/resize.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { createRng, type Rng } from '../util/random.ts';

/**
 * Procedural "CCTV" scene for the bundled demo clip: a static plaza in front of buildings, seen from a
 * raised camera, with simple walking silhouettes whose heads carry real face crops. Everything here is
 * pure (seeded) pixel work on float RGB buffers; encoding lives in clip-encoder.ts.
 */

export const SCENE_WIDTH = 768;
export const SCENE_HEIGHT = 576;
export const SCENE_FPS = 10;
/** Image row of the vanishing line: a face of side f has its feet at HORIZON_Y + f / PERSPECTIVE. */
const HORIZON_Y = 200;
/** Face side (px) per pixel of feet distance below the horizon. */
const PERSPECTIVE = 0.11;
/** Row where the buildings meet the plaza. */
const BUILDING_BASE_Y = 312;
/** Body height (feet to crown) in face sides. */
const BODY_FACES = 8.2;
/** Smallest and largest face side (the larger side of the face box) in frame pixels. */
export const FACE_SIZE_RANGE = [14, 40] as const;

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
const DOORS = [0.3, 0.78];

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

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

type Rgb = readonly [number, number, number];

function fillPixel(buf: Float32Array, i: number, c: Rgb, alpha: number): void {
  const o = i * 3;
  buf[o] += (c[0] - buf[o]) * alpha;
  buf[o + 1] += (c[1] - buf[o + 1]) * alpha;
  buf[o + 2] += (c[2] - buf[o + 2]) * alpha;
}

function fillRect(buf: Float32Array, x0: number, y0: number, x1: number, y1: number, c: Rgb, a = 1): void {
  const xa = Math.max(0, Math.round(x0));
  const xb = Math.min(SCENE_WIDTH, Math.round(x1));
  const ya = Math.max(0, Math.round(y0));
  const yb = Math.min(SCENE_HEIGHT, Math.round(y1));
  for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) fillPixel(buf, y * SCENE_WIDTH + x, c, a);
}

/** A round-capped thick segment with a one-pixel soft edge. */
function fillCapsule(
  buf: Float32Array,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  r: number,
  c: Rgb,
  a = 1,
): void {
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
  const x1 = Math.min(SCENE_WIDTH - 1, Math.ceil(Math.max(ax, bx) + r + 1));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
  const y1 = Math.min(SCENE_HEIGHT - 1, Math.ceil(Math.max(ay, by) + r + 1));
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy || 1e-9;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const t = clamp(((x + 0.5 - ax) * dx + (y + 0.5 - ay) * dy) / len2, 0, 1);
      const d = Math.hypot(x + 0.5 - ax - t * dx, y + 0.5 - ay - t * dy);
      const cover = clamp(r - d + 0.5, 0, 1);
      if (cover > 0) fillPixel(buf, y * SCENE_WIDTH + x, c, cover * a);
    }
  }
}

function fillEllipse(buf: Float32Array, cx: number, cy: number, rx: number, ry: number, c: Rgb, a = 1): void {
  const x0 = Math.max(0, Math.floor(cx - rx - 1));
  const x1 = Math.min(SCENE_WIDTH - 1, Math.ceil(cx + rx + 1));
  const y0 = Math.max(0, Math.floor(cy - ry - 1));
  const y1 = Math.min(SCENE_HEIGHT - 1, Math.ceil(cy + ry + 1));
  const rMin = Math.min(rx, ry);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const n = Math.hypot((x + 0.5 - cx) / rx, (y + 0.5 - cy) / ry);
      const cover = clamp((1 - n) * rMin + 0.5, 0, 1);
      if (cover > 0) fillPixel(buf, y * SCENE_WIDTH + x, c, cover * a);
    }
  }
}

/**
 * The static background as float RGB: overcast sky, a row of buildings with windows and two doors, a
 * paved plaza with perspective joints, a lamp post, a bench, fixed texture noise and a vignette.
 */
export function renderBackground(seed: number | string): Float32Array {
  const rng = createRng(`${seed}:background`);
  const W = SCENE_WIDTH;
  const H = SCENE_HEIGHT;
  const buf = new Float32Array(W * H * 3);
  const vx = W / 2;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      if (y < BUILDING_BASE_Y) {
        const t = y / BUILDING_BASE_Y;
        buf[o] = 168 + 30 * t;
        buf[o + 1] = 176 + 26 * t;
        buf[o + 2] = 190 + 14 * t;
      } else {
        // Paving: lighter far away, darker near; joints converge on the vanishing point.
        const depth = (y - HORIZON_Y) / (H - HORIZON_Y);
        let v = 150 - 55 * depth;
        // Ground coordinates: along = distance from the camera, across = lateral offset; a joint
        // every unit of each, drawn about a pixel wide whatever the depth.
        const rows = y - HORIZON_Y;
        const along = 1800 / rows;
        if (along % 1 < Math.max(0.02, 1800 / (rows * rows))) v -= 12;
        const across = ((x - vx) * 2.5) / rows;
        if (Math.abs(across - Math.round(across)) < 1.25 / rows) v -= 12;
        buf[o] = v + 6;
        buf[o + 1] = v + 2;
        buf[o + 2] = v - 6;
      }
    }
  }
  // Buildings: a row of facades of different heights and colours.
  let x = -20;
  while (x < W) {
    const w = rng.int(110, 190);
    const top = rng.int(40, 150);
    const grey = rng.int(90, 160);
    const base: Rgb = [grey + rng.int(-6, 14), grey + rng.int(-8, 6), grey + rng.int(-14, 4)];
    fillRect(buf, x, top, x + w, BUILDING_BASE_Y, base);
    fillRect(buf, x, top, x + w, top + 6, [base[0] * 0.7, base[1] * 0.7, base[2] * 0.7]);
    for (let wy = top + 18; wy < BUILDING_BASE_Y - 50; wy += 28) {
      for (let wx = x + 12; wx < x + w - 22; wx += 26) {
        const lit = rng.bernoulli(0.2);
        const glass: Rgb = lit
          ? [200, 190, 140]
          : [55 + rng.int(0, 20), 65 + rng.int(0, 20), 80 + rng.int(0, 25)];
        fillRect(buf, wx, wy, wx + 14, wy + 16, glass);
      }
    }
    x += w;
  }
  for (const door of DOORS) {
    const dx = door * W;
    fillRect(buf, dx - 22, BUILDING_BASE_Y - 62, dx + 22, BUILDING_BASE_Y, [38, 36, 40]);
    fillRect(buf, dx - 26, BUILDING_BASE_Y - 66, dx + 26, BUILDING_BASE_Y - 62, [80, 78, 76]);
  }
  // Kerb line, a lamp post and a bench.
  fillRect(buf, 0, BUILDING_BASE_Y, W, BUILDING_BASE_Y + 4, [112, 110, 106]);
  fillCapsule(buf, 650, 470, 650, 150, 3, [52, 54, 58]);
  fillEllipse(buf, 650, 148, 14, 6, [70, 72, 76]);
  fillRect(buf, 80, 430, 190, 442, [96, 70, 50]);
  fillRect(buf, 86, 442, 92, 470, [45, 45, 48]);
  fillRect(buf, 178, 442, 184, 470, [45, 45, 48]);
  // Fixed texture (stains, grain) and a lens vignette.
  for (let y = 0; y < H; y++) {
    for (let xx = 0; xx < W; xx++) {
      const o = (y * W + xx) * 3;
      const grain = rng.normal(0, 4);
      const r = Math.hypot((xx - W / 2) / (W / 2), (y - H / 2) / (H / 2));
      const vig = 1 - 0.22 * r * r;
      for (let c = 0; c < 3; c++) buf[o + c] = (buf[o + c] + grain) * vig;
    }
  }
  return buf;
}

/** Mean colour of the centre (middle 40%) of a box in an image: the skin tone of a face. */
export function centreColour(image: RgbImage, box: Box): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  const x0 = Math.max(0, Math.round(box.x + 0.3 * box.width));
  const x1 = Math.min(image.width, Math.round(box.x + 0.7 * box.width));
  const y0 = Math.max(0, Math.round(box.y + 0.3 * box.height));
  const y1 = Math.min(image.height, Math.round(box.y + 0.7 * box.height));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const o = (y * image.width + x) * 3;
      for (let c = 0; c < 3; c++) sum[c] += image.data[o + c];
      n++;
    }
  }
  return n > 0 ? [sum[0] / n, sum[1] / n, sum[2] / n] : [180, 140, 120];
}

/** Mean colour of the outer ring of a sprite: what the head around the pasted face should look like. */
export function borderColour(image: RgbImage): [number, number, number] {
  const { width: w, height: h, data } = image;
  const sum = [0, 0, 0];
  let n = 0;
  const ring = Math.max(1, Math.round(Math.min(w, h) * 0.08));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x >= ring && x < w - ring && y >= ring && y < h - ring) continue;
      const o = (y * w + x) * 3;
      sum[0] += data[o];
      sum[1] += data[o + 1];
      sum[2] += data[o + 2];
      n++;
    }
  }
  return [sum[0] / n, sum[1] / n, sum[2] / n];
}

/**
 * Pastes the face: the region of 1.4x the detector box around its centre, area-averaged down to the
 * frame scale at the exact sub-pixel position, through a soft elliptical mask.
 */
function pasteFace(buf: Float32Array, sprite: FaceSprite, pose: Pose): void {
  const { box, image } = sprite;
  const scale = pose.size / Math.max(box.width, box.height);
  const rx = 0.7 * box.width * scale;
  const ry = 0.7 * box.height * scale;
  const x0 = Math.max(0, Math.floor(pose.faceX - rx));
  const x1 = Math.min(SCENE_WIDTH, Math.ceil(pose.faceX + rx));
  const y0 = Math.max(0, Math.floor(pose.faceY - ry));
  const y1 = Math.min(SCENE_HEIGHT, Math.ceil(pose.faceY + ry));
  if (x1 <= x0 || y1 <= y0) return;
  const srcCx = box.x + box.width / 2;
  const srcCy = box.y + box.height / 2;
  const pixels = areaResampleFloat(image, x1 - x0, y1 - y0, {
    x: srcCx + (x0 - pose.faceX) / scale,
    y: srcCy + (y0 - pose.faceY) / scale,
    width: (x1 - x0) / scale,
    height: (y1 - y0) / scale,
  });
  const w = x1 - x0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const n = Math.hypot((x + 0.5 - pose.faceX) / rx, (y + 0.5 - pose.faceY) / ry);
      const alpha = n <= 0.7 ? 1 : n >= 1 ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * (n - 0.7)) / 0.3);
      if (alpha <= 0) continue;
      const s = ((y - y0) * w + (x - x0)) * 3;
      const o = (y * SCENE_WIDTH + x) * 3;
      buf[o] += (pixels[s] - buf[o]) * alpha;
      buf[o + 1] += (pixels[s + 1] - buf[o + 1]) * alpha;
      buf[o + 2] += (pixels[s + 2] - buf[o + 2]) * alpha;
    }
  }
}

/** Draws one walker: shadow, legs, arms, torso, neck, head, then the real face on the head. */
export function drawWalker(buf: Float32Array, walker: Walker, pose: Pose): void {
  const f = pose.size;
  const { feetX, feetY, swing, faceBox } = pose;
  const hipY = feetY - 3.9 * f;
  const shoulderY = faceBox.y + faceBox.height + 0.2 * f;
  const stride = 0.55 * f * swing;
  fillEllipse(buf, feetX, feetY, 1.1 * f, 0.25 * f, [40, 40, 44], 0.35);
  const legR = 0.26 * f;
  fillCapsule(buf, feetX - 0.22 * f, hipY, feetX - 0.22 * f + stride, feetY - legR, legR, walker.trousers);
  fillCapsule(buf, feetX + 0.22 * f, hipY, feetX + 0.22 * f - stride, feetY - legR, legR, walker.trousers);
  const armR = 0.17 * f;
  const handY = hipY + 0.3 * f;
  const sleeve: Rgb = [walker.shirt[0] * 0.85, walker.shirt[1] * 0.85, walker.shirt[2] * 0.85];
  fillCapsule(buf, feetX - 0.62 * f, shoulderY + armR, feetX - 0.66 * f - 0.4 * stride, handY, armR, sleeve);
  fillCapsule(buf, feetX + 0.62 * f, shoulderY + armR, feetX + 0.66 * f + 0.4 * stride, handY, armR, sleeve);
  const torsoR = 0.5 * f;
  fillCapsule(buf, feetX - 0.2 * f, shoulderY + torsoR * 0.6, feetX - 0.2 * f, hipY, torsoR, walker.shirt);
  fillCapsule(buf, feetX + 0.2 * f, shoulderY + torsoR * 0.6, feetX + 0.2 * f, hipY, torsoR, walker.shirt);
  fillCapsule(
    buf,
    pose.faceX,
    faceBox.y + faceBox.height * 0.8,
    feetX,
    shoulderY + 0.2 * f,
    0.17 * f,
    walker.skin,
  );
  fillEllipse(buf, pose.faceX, pose.faceY, faceBox.width * 0.68, faceBox.height * 0.66, walker.hair);
  pasteFace(buf, walker.sprite, pose);
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

/** Per-clip noise source: a table of Gaussian deviates read at a random offset per frame. */
export interface SensorNoise {
  readonly table: Float32Array;
  readonly rng: Rng;
}

const NOISE_TABLE = 1 << 20;

export function createSensorNoise(seed: number | string, sigma = 3.2): SensorNoise {
  const rng = createRng(`${seed}:noise`);
  const table = new Float32Array(NOISE_TABLE);
  for (let i = 0; i < NOISE_TABLE; i++) table[i] = rng.normal(0, sigma);
  return { table, rng };
}

/**
 * Finishes a frame: a mild [1 2 1]/4 separable blur (optics + compression softness), then luma noise
 * with a little chroma noise, rounded into `out`. `buf` is used as scratch.
 */
export function finishFrame(buf: Float32Array, tmp: Float32Array, noise: SensorNoise, out: Uint8Array): void {
  const W = SCENE_WIDTH;
  const H = SCENE_HEIGHT;
  const row = W * 3;
  for (let y = 0; y < H; y++) {
    const r = y * row;
    for (let x = 0; x < W; x++) {
      const o = r + x * 3;
      const l = x > 0 ? o - 3 : o;
      const rr = x < W - 1 ? o + 3 : o;
      for (let c = 0; c < 3; c++) tmp[o + c] = 0.25 * buf[l + c] + 0.5 * buf[o + c] + 0.25 * buf[rr + c];
    }
  }
  const mask = NOISE_TABLE - 1;
  const lumaOff = noise.rng.int(0, mask);
  const chromaOff = noise.rng.int(0, mask);
  for (let y = 0; y < H; y++) {
    const up = y > 0 ? -row : 0;
    const down = y < H - 1 ? row : 0;
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const o = p * 3;
      const luma = noise.table[(lumaOff + p) & mask];
      for (let c = 0; c < 3; c++) {
        const i = o + c;
        const v =
          0.25 * tmp[i + up] +
          0.5 * tmp[i] +
          0.25 * tmp[i + down] +
          luma +
          0.35 * noise.table[(chromaOff + i) & mask];
        out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
  }
}

/** 3x5 bitmap glyphs (rows top to bottom, '#' = on) for the on-screen display. */
const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  '0': ['###', '#.#', '#.#', '#.#', '###'],
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['###', '..#', '###', '#..', '###'],
  '3': ['###', '..#', '###', '..#', '###'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '###', '..#', '###'],
  '6': ['###', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '..#', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '###'],
  C: ['###', '#..', '#..', '#..', '###'],
  A: ['.#.', '#.#', '###', '#.#', '#.#'],
  M: ['#.#', '###', '###', '#.#', '#.#'],
  '-': ['...', '...', '###', '...', '...'],
  ':': ['...', '.#.', '...', '.#.', '...'],
  ' ': ['...', '...', '...', '...', '...'],
};

/** The camera's on-screen display for frame `t`: camera name and a wall-clock timestamp. */
export function osdText(t: number): string {
  const secs = 8 * 3600 + 15 * 60 + 2 + Math.floor(t / SCENE_FPS);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `CAM 03  2026-05-14 ${two(Math.floor(secs / 3600) % 24)}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}`;
}

/** Burns white text with a dark outline into a finished frame (after noise, like a real OSD). */
export function drawOsd(out: Uint8Array, text: string, x0: number, y0: number, scale = 2): void {
  const put = (x: number, y: number, v: number): void => {
    if (x < 0 || y < 0 || x >= SCENE_WIDTH || y >= SCENE_HEIGHT) return;
    const o = (y * SCENE_WIDTH + x) * 3;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
  };
  for (const pass of [0, 1]) {
    [...text].forEach((ch, k) => {
      const glyph = GLYPHS[ch] ?? GLYPHS[' '];
      glyph.forEach((row, gy) => {
        for (let gx = 0; gx < 3; gx++) {
          if (row[gx] !== '#') continue;
          const px = x0 + (k * 4 + gx) * scale;
          const py = y0 + gy * scale;
          // Pass 0 paints a one-pixel dark outline around each dot, pass 1 the white dot itself.
          const lo = pass === 0 ? -1 : 0;
          const hi = pass === 0 ? scale + 1 : scale;
          for (let dy = lo; dy < hi; dy++) {
            for (let dx = lo; dx < hi; dx++) put(px + dx, py + dy, pass === 0 ? 20 : 235);
          }
        }
      });
    });
  }
}
