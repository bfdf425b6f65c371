import type { Box } from '../image/box.ts';
import { areaResampleFloat } from '../image/resize.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { fillCapsule, fillEllipse, type Rgb } from './raster.ts';
import { SCENE_HEIGHT, SCENE_WIDTH, type FaceSprite, type Pose, type Walker } from './scene-layout.ts';

/** Draws the demo's walkers: a simple silhouette whose head carries a real face crop. */

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
