import sharp from 'sharp';
import { toGreyInPlace } from '../datasets/lr-synthesis.ts';
import { pasteFace, patchSide, type FaceSource } from '../detect/composite.ts';
import type { Box } from '../image/box.ts';
import { decodeImage } from '../image/decode.ts';
import { areaResampleFloat, floatToRgb } from '../image/resize.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { warpToChip } from '../models/teacher/warp.ts';
import type { Rng } from '../util/random.ts';

/**
 * Training tiles for the small-face detector: real faces (LFW DevTrain photos with their known face
 * box) shrunk by area averaging to 8–56 px and pasted with 0.2–0.65 of their side as context (from a
 * tight head crop to the whole photo: hair, shoulders, the photo's own background) into crops of real
 * CCTV frames and of procedural clutter, half of them rolled (±35°: heads tilt) or colour-cast (white
 * balance, tinted light), then degraded the way cameras degrade them (greyscale, gain, blur, sensor
 * noise, JPEG). Pasted non-face patches (shoulders, backgrounds, other frames) with the
 * same feathered border teach the net that a pasted square is not a face.
 *
 * Labels are exact (the paste geometry). Faces outside `positiveRange` are neither positive nor
 * negative (the loss ignores their cells), as are the `ignore` boxes of a background: where the
 * face-api teacher, run on the real frame, sees a face we did not paste.
 */

/** A background picture and the boxes in it whose content must not be called "no face". */
export interface DetectorBackground {
  readonly image: RgbImage;
  readonly ignore: readonly Box[];
}

export interface DetectorSampleSources {
  readonly backgrounds: readonly DetectorBackground[];
  /** Face photos with their face box (LFW: the central 110x110 of a deep-funnelled 250x250 image). */
  readonly faces: readonly FaceSource[];
}

export interface DetectorSampleOptions {
  /** Tile side in px (a multiple of the net's alignment). @defaultValue 96 */
  readonly tile?: number;
  /** Face sides (tile px) labelled as faces; others pasted are ignored. @defaultValue [12, 44] */
  readonly positiveRange?: readonly [number, number];
  /** Fraction of tiles drawn on procedural clutter instead of a real background. @defaultValue 0.2 */
  readonly clutterFraction?: number;
}

export interface DetectorSample {
  /** Tile pixels, RGB float 0..255, row-major. */
  readonly pixels: Float32Array;
  readonly tile: number;
  /** Labelled faces (tile px). */
  readonly faces: readonly Box[];
  /** Regions whose cells the loss ignores (tile px). */
  readonly ignore: readonly Box[];
}

const SIZE_RANGE: readonly [number, number] = [8, 56];
/** Side of a rolled photo copy (px). */
const ROLL_CHIP = 128;
/** Largest context margin of a paste, as a fraction of the pasted box's side. */
const MAX_CONTEXT = 0.65;

/** Renders one training tile; every random choice comes from `rng`. */
export async function renderDetectorSample(
  sources: DetectorSampleSources,
  rng: Rng,
  options: DetectorSampleOptions = {},
): Promise<DetectorSample> {
  const T = options.tile ?? 96;
  const [lo, hi] = options.positiveRange ?? [12, 44];
  const ignore: Box[] = [];
  const canvas = rng.bernoulli(options.clutterFraction ?? 0.2)
    ? clutter(T, rng)
    : backgroundCrop(sources.backgrounds[rng.int(0, sources.backgrounds.length - 1)]!, T, rng, ignore);
  const frame: RgbImage = { width: T, height: T, data: canvas };
  const faces: Box[] = [];
  const occupied: Box[] = [];
  const nFaces = rng.int(0, 3);
  for (let k = 0; k < nFaces; k++) {
    // Log-uniform sizes: as many 8–16 px faces as 28–56 px ones.
    const size = Math.exp(rng.uniform(Math.log(SIZE_RANGE[0]), Math.log(SIZE_RANGE[1])));
    const context = rng.uniform(0.2, MAX_CONTEXT);
    const P = patchSide(size, context);
    // The face centre anywhere in the tile, partly cut faces included (tiles overlap in use, but a
    // face on a tile border must not be called background).
    const x = Math.round(rng.uniform(-P / 2, T - P / 2));
    const y = Math.round(rng.uniform(-P / 2, T - P / 2));
    const faceBox = { x: x + (P - size) / 2, y: y + (P - size) / 2, width: size, height: size };
    // A patch carries context around its face: keep whole patches apart, or a later paste's hair and
    // background would cover an earlier face that is still labelled.
    const patch = { x, y, width: P, height: P };
    if (occupied.some((o) => overlaps(o, patch))) continue;
    const photo = sources.faces[rng.int(0, sources.faces.length - 1)]!;
    const source = rng.bernoulli(0.5) ? rollAndCast(photo, rng) : photo;
    pasteFace(frame, source, x, y, size, { context, feather: rng.uniform(0.3, 1) });
    occupied.push(patch);
    if (size >= lo && size <= hi) faces.push(faceBox);
    else ignore.push(faceBox);
  }
  const nDistractors = rng.int(0, 2);
  for (let k = 0; k < nDistractors; k++) {
    const size = rng.uniform(10, 48);
    const context = rng.uniform(0.2, MAX_CONTEXT);
    const P = patchSide(size, context);
    const x = Math.round(rng.uniform(-P / 4, T - (3 * P) / 4));
    const y = Math.round(rng.uniform(-P / 4, T - (3 * P) / 4));
    if (occupied.some((o) => overlaps(o, { x, y, width: P, height: P }))) continue;
    pasteFace(frame, nonFaceSource(sources, rng), x, y, size, { context, feather: rng.uniform(0.3, 1) });
  }
  const pixels = await degrade(frame, rng);
  return { pixels, tile: T, faces, ignore };
}

/**
 * The photo rolled about its face centre by up to ±35° and its channels scaled by 0.7–1.3 each:
 * a tilted head under tinted light. The face box keeps its side (the box convention is the face's
 * size, not the rotated square's bounding box).
 */
function rollAndCast(source: FaceSource, rng: Rng): FaceSource {
  const { image, face } = source;
  const angle = (rng.uniform(-35, 35) * Math.PI) / 180;
  const a = Math.cos(angle);
  const b = Math.sin(angle);
  // Rendered at ROLL_CHIP px: pastes are at most 56 px faces in ~130 px patches, so the full-size photo
  // would only be averaged down again (and cost 4x the warp).
  const k = Math.max(image.width, image.height) / ROLL_CHIP;
  const h = ROLL_CHIP / 2;
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const [ka, kb] = [a * k, b * k];
  const rolled = warpToChip(
    image,
    { a: ka, b: kb, tx: cx - ka * h + kb * h, ty: cy - kb * h - ka * h },
    ROLL_CHIP,
  );
  if (rng.bernoulli(0.5)) {
    const gains = [rng.uniform(0.7, 1.3), rng.uniform(0.7, 1.3), rng.uniform(0.7, 1.3)];
    const d = rolled.data;
    for (let i = 0; i < d.length; i++) d[i] = Math.min(255, d[i]! * gains[i % 3]!);
  }
  const fs = Math.max(face.width, face.height) / k;
  return { image: rolled, face: { x: h - fs / 2, y: h - fs / 2, width: fs, height: fs } };
}

/** Boxes overlap once grown by `margin` px. */
function overlaps(a: Box, b: Box, margin = 2): boolean {
  return (
    a.x - margin < b.x + b.width &&
    b.x - margin < a.x + a.width &&
    a.y - margin < b.y + b.height &&
    b.y - margin < a.y + a.height
  );
}

/** A T x T crop of a background at a random scale (0.6–1.6 frame px per tile px); ignore boxes mapped. */
function backgroundCrop(bg: DetectorBackground, T: number, rng: Rng, ignore: Box[]): Uint8Array {
  const { image } = bg;
  const side = Math.min(image.width, image.height, T * rng.uniform(0.6, 1.6));
  const x0 = rng.uniform(0, image.width - side);
  const y0 = rng.uniform(0, image.height - side);
  const s = T / side;
  for (const b of bg.ignore) {
    const m = { x: (b.x - x0) * s, y: (b.y - y0) * s, width: b.width * s, height: b.height * s };
    if (m.x < T && m.y < T && m.x + m.width > 0 && m.y + m.height > 0) ignore.push(m);
  }
  const flip = rng.bernoulli(0.5);
  const f = areaResampleFloat(image, T, T, { x: x0, y: y0, width: side, height: side }, flip);
  if (flip) {
    for (let i = 0; i < ignore.length; i++) {
      const b = ignore[i]!;
      ignore[i] = { ...b, x: T - b.x - b.width };
    }
  }
  return floatToRgb(f, T, T).data;
}

/**
 * Procedural clutter: façades, window grids, blinds, tiles, smooth gradients — the regular textures that
 * fool face detectors at small scale — in random colours.
 */
function clutter(T: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(T * T * 3);
  const base = [rng.uniform(20, 230), rng.uniform(20, 230), rng.uniform(20, 230)];
  const alt = [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
  const kind = rng.int(0, 3);
  const px = rng.uniform(4, 24);
  const py = rng.uniform(4, 24);
  const duty = rng.uniform(0.2, 0.7);
  const gx = rng.uniform(-1, 1);
  const gy = rng.uniform(-1, 1);
  for (let y = 0; y < T; y++) {
    for (let x = 0; x < T; x++) {
      let t: number;
      if (kind === 0)
        t = (x / px) % 1 < duty && (y / py) % 1 < duty ? 1 : 0; // window grid
      else if (kind === 1)
        t = (y / py) % 1 < duty ? 1 : 0; // blinds
      else if (kind === 2)
        t = (Math.floor(x / px) + Math.floor(y / py)) % 2; // tiles
      else t = 0.5 + 0.5 * Math.tanh((gx * (x - T / 2) + gy * (y - T / 2)) / 20); // gradient
      const o = (y * T + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = base[c]! + (alt[c]! - base[c]!) * t;
    }
  }
  return out;
}

/** A patch that is not a face: a face photo's shoulders or corner, or a piece of a background. */
function nonFaceSource(sources: DetectorSampleSources, rng: Rng): FaceSource {
  if (rng.bernoulli(0.5)) {
    const { image: photo, face } = sources.faces[rng.int(0, sources.faces.length - 1)]!;
    // Below the chin (shoulders, clothes) or in a top corner (hair, background): the whole pasted
    // window (the box plus up to MAX_CONTEXT of its side around it) stays off the face box.
    const below = photo.height - (face.y + face.height);
    const corner = Math.min(face.x, face.y);
    const room = Math.min(below, corner) / (1 + 2 * MAX_CONTEXT);
    const side = rng.uniform(Math.min(10, room), room);
    const margin = MAX_CONTEXT * side;
    const spots = [
      { x: rng.uniform(margin, photo.width - side - margin), y: face.y + face.height + margin },
      { x: margin, y: margin },
      { x: photo.width - side - margin, y: margin },
    ];
    const at = spots[rng.int(0, 2)]!;
    return { image: photo, face: { x: at.x, y: at.y, width: side, height: side } };
  }
  const bg = sources.backgrounds[rng.int(0, sources.backgrounds.length - 1)]!.image;
  const side = rng.uniform(16, 80);
  const face = {
    x: rng.uniform(side, bg.width - 2 * side),
    y: rng.uniform(side, bg.height - 2 * side),
    width: side,
    height: side,
  };
  return { image: bg, face };
}

/** Camera degradations on the whole tile: greyscale, gain/offset, blur, noise, JPEG. Returns floats. */
async function degrade(frame: RgbImage, rng: Rng): Promise<Float32Array> {
  const T = frame.width;
  let data = frame.data;
  if (rng.bernoulli(0.5)) {
    const quality = rng.int(35, 90);
    const jpeg = await sharp(data, { raw: { width: T, height: T, channels: 3 } })
      .jpeg({ quality })
      .toBuffer();
    data = (await decodeImage(jpeg)).data;
  }
  const f = Float32Array.from(data);
  if (rng.bernoulli(0.25)) toGreyInPlace(f);
  if (rng.bernoulli(0.3)) boxBlur3(f, T);
  const contrast = rng.uniform(0.5, 1.3);
  const offset = rng.uniform(-40, 30);
  const sigma = rng.bernoulli(0.6) ? rng.uniform(0, 7) : 0;
  for (let i = 0; i < f.length; i++) {
    let v = (f[i]! - 128) * contrast + 128 + offset;
    if (sigma > 0) v += rng.normal(0, sigma);
    f[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return f;
}

/** 3x3 box blur, edges clamped, in place. */
function boxBlur3(f: Float32Array, T: number): void {
  const src = Float32Array.from(f);
  for (let y = 0; y < T; y++) {
    for (let x = 0; x < T; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = Math.min(T - 1, Math.max(0, y + dy));
          for (let dx = -1; dx <= 1; dx++) {
            const xx = Math.min(T - 1, Math.max(0, x + dx));
            s += src[(yy * T + xx) * 3 + c]!;
          }
        }
        f[(y * T + x) * 3 + c] = s / 9;
      }
    }
  }
}

/** Per-cell training targets of one tile for a net of output stride `stride`. */
export interface DetectorTargets {
  /** Gaussian face-centre heat, 1 at each face's centre cell. [cells] */
  readonly heat: Float32Array;
  /** 1 where a face centre lies (the regression cells). [cells] */
  readonly centre: Float32Array;
  /** 0 in ignored regions, else 1. [cells] */
  readonly weight: Float32Array;
  /** ln(side / referenceSide) at the centre cells. [cells] */
  readonly logSize: Float32Array;
  /** Centre offset inside its cell (x, y) in cells at the centre cells. [cells * 2] */
  readonly offset: Float32Array;
}

/**
 * CenterNet-style targets: each labelled face puts a Gaussian (σ = max(0.6, side / (6·stride)) cells)
 * on the heat map, peaking at 1 in the cell holding its centre, where its size and sub-cell offset are
 * regressed. Cells whose centre falls inside an ignore box get weight 0, unless a labelled face's
 * centre is there.
 */
export function detectorTargets(
  sample: Pick<DetectorSample, 'faces' | 'ignore' | 'tile'>,
  stride: number,
  referenceSide: number,
): DetectorTargets {
  const G = sample.tile / stride;
  const cells = G * G;
  const heat = new Float32Array(cells);
  const centre = new Float32Array(cells);
  const weight = new Float32Array(cells).fill(1);
  const logSize = new Float32Array(cells);
  const offset = new Float32Array(cells * 2);
  for (const b of sample.ignore) {
    for (let gy = 0; gy < G; gy++) {
      const cy = (gy + 0.5) * stride;
      if (cy < b.y || cy >= b.y + b.height) continue;
      for (let gx = 0; gx < G; gx++) {
        const cx = (gx + 0.5) * stride;
        if (cx >= b.x && cx < b.x + b.width) weight[gy * G + gx] = 0;
      }
    }
  }
  for (const f of sample.faces) {
    const side = Math.max(f.width, f.height);
    const fx = (f.x + f.width / 2) / stride;
    const fy = (f.y + f.height / 2) / stride;
    const ix = Math.floor(fx);
    const iy = Math.floor(fy);
    const sigma = Math.max(0.6, side / (6 * stride));
    const r = Math.ceil(3 * sigma);
    for (let gy = Math.max(0, iy - r); gy <= Math.min(G - 1, iy + r); gy++) {
      for (let gx = Math.max(0, ix - r); gx <= Math.min(G - 1, ix + r); gx++) {
        const d2 = (gx - ix) ** 2 + (gy - iy) ** 2;
        const h = Math.exp(-d2 / (2 * sigma * sigma));
        const k = gy * G + gx;
        if (h > heat[k]!) heat[k] = h;
        weight[k] = 1;
      }
    }
    if (ix < 0 || iy < 0 || ix >= G || iy >= G) continue;
    const k = iy * G + ix;
    heat[k] = 1;
    centre[k] = 1;
    logSize[k] = Math.log(side / referenceSide);
    offset[2 * k] = fx - ix;
    offset[2 * k + 1] = fy - iy;
  }
  return { heat, centre, weight, logSize, offset };
}
