import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { cosineSimilarity } from '../eval/verification-metrics.ts';
import type { Box } from '../image/box.ts';
import { decodeImageFile } from '../image/decode.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import type { FaceApiTeacher } from '../models/teacher/index.ts';

/** A face found in one of the sample photos, with what is needed to rank, enrol and paste it. */
export interface SourceFace {
  /** Stable identity key, e.g. `sample3.jpg#1` (photo name and the teacher's face index). */
  readonly key: string;
  readonly photoPath: string;
  /** Detector box in photo pixels. */
  readonly box: Box;
  readonly score: number;
  /** Horizontal head turn: nose offset from the eye midpoint along the eye line, in eye distances. */
  readonly yaw: number;
  readonly embedding: Float32Array;
  /** Enrolment portrait: the photo region of `ENROL_FACTOR` x the box around the face. */
  readonly portrait: RgbImage;
  /** Paste source: a region around the face with `box` re-expressed in its coordinates. */
  readonly sprite: { readonly image: RgbImage; readonly box: Box };
}

/** Enrolment crop size relative to the detector box: a normal head-and-shoulders portrait. */
export const ENROL_FACTOR = 1.6;
/** Sprite region relative to the box: the 1.4x pasted region plus a margin for sub-pixel windows. */
const SPRITE_FACTOR = 1.8;

/** The sample photos shipped inside @vladmandic/face-api's package (`demo/sample*.jpg`), sorted. */
export async function samplePhotoPaths(): Promise<string[]> {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
    'demo',
  );
  return (await readdir(dir))
    .filter((f) => /^sample\d+\.jpg$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Copies the region of `factor` x `box` around the box centre, clipped to the image. */
function cropAround(image: RgbImage, box: Box, factor: number): { image: RgbImage; box: Box } {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x0 = Math.max(0, Math.round(cx - (box.width * factor) / 2));
  const y0 = Math.max(0, Math.round(cy - (box.height * factor) / 2));
  const x1 = Math.min(image.width, Math.round(cx + (box.width * factor) / 2));
  const y1 = Math.min(image.height, Math.round(cy + (box.height * factor) / 2));
  const w = x1 - x0;
  const h = y1 - y0;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((y0 + y) * image.width + x0) * 3;
    data.set(image.data.subarray(src, src + w * 3), y * w * 3);
  }
  return { image: { width: w, height: h, data }, box: { ...box, x: box.x - x0, y: box.y - y0 } };
}

/** Yaw proxy from dlib's 68 landmarks: nose tip (30) against the outer eye corners (36, 45). */
function yawFromLandmarks(lm: Float32Array): number {
  const ex = lm[90] - lm[72];
  const ey = lm[91] - lm[73];
  const mx = (lm[72] + lm[90]) / 2;
  const my = (lm[73] + lm[91]) / 2;
  return ((lm[60] - mx) * ex + (lm[61] - my) * ey) / (ex * ex + ey * ey || 1);
}

/** Detects, aligns and embeds every face in the photos (teacher order within a photo). */
export async function findSourceFaces(
  teacher: FaceApiTeacher,
  photos: readonly string[],
): Promise<SourceFace[]> {
  const out: SourceFace[] = [];
  for (const photoPath of photos) {
    const image = await decodeImageFile(photoPath);
    const faces = await teacher.align(image);
    const embeddings = await teacher.embed(faces.map((f) => f.chip));
    faces.forEach((f, i) => {
      out.push({
        key: `${basename(photoPath)}#${i}`,
        photoPath,
        box: f.box,
        score: f.score,
        yaw: yawFromLandmarks(f.landmarks),
        embedding: embeddings[i],
        portrait: cropAround(image, f.box, ENROL_FACTOR).image,
        sprite: cropAround(image, f.box, SPRITE_FACTOR),
      });
    });
  }
  return out;
}

export interface PickOptions {
  /** Faces whose embeddings are more similar than this count as the same person. @defaultValue 0.95 */
  readonly maxSimilarity?: number;
  /** At most this many people from one photo, for variety. @defaultValue 2 */
  readonly maxPerPhoto?: number;
  /** Minimum detector score. @defaultValue 0.85 */
  readonly minScore?: number;
}

/**
 * Picks up to `count` distinct, clearly visible people: ranked by detector score times frontality
 * (1 − |yaw|), skipping faces too similar to one already picked (the same person in two photos). The
 * teacher's raw embeddings of different people here sit at cosine ~0.85-0.93, so the default 0.95 only
 * merges near-duplicates. Deterministic for a given input order.
 */
export function pickDistinctFaces(
  faces: readonly SourceFace[],
  count: number,
  options: PickOptions = {},
): SourceFace[] {
  const maxSimilarity = options.maxSimilarity ?? 0.95;
  const maxPerPhoto = options.maxPerPhoto ?? 2;
  const minScore = options.minScore ?? 0.85;
  const ranked = faces
    .filter((f) => f.score >= minScore)
    .map((f) => ({ f, q: f.score * (1 - Math.min(1, Math.abs(f.yaw))) }))
    .sort((a, b) => b.q - a.q || (a.f.key < b.f.key ? -1 : 1))
    .map((r) => r.f);
  const picked: SourceFace[] = [];
  const perPhoto = new Map<string, number>();
  for (const f of ranked) {
    if (picked.length >= count) break;
    if ((perPhoto.get(f.photoPath) ?? 0) >= maxPerPhoto) continue;
    if (picked.some((p) => cosineSimilarity(p.embedding, f.embedding) > maxSimilarity)) continue;
    picked.push(f);
    perPhoto.set(f.photoPath, (perPhoto.get(f.photoPath) ?? 0) + 1);
  }
  return picked;
}
