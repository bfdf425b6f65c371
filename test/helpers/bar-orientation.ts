import type { RgbImage } from '../../src/image/rgb-image.ts';

/**
 * Orientation in degrees (−90..90, 0 = horizontal, positive = clockwise on screen) of the principal
 * axis of an image's bright pixels (red channel above `threshold`): tests that roll a bright bar (a
 * stand-in eye line) read the tilt back with it.
 */
export function barOrientation(img: RgbImage, threshold = 130): number {
  const pts: [number, number][] = [];
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) if (img.data[(y * img.width + x) * 3]! > threshold) pts.push([x, y]);
  if (pts.length < 2) throw new Error('barOrientation: no bright bar in the image');
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const [x, y] of pts) {
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
    sxy += (x - mx) * (y - my);
  }
  return (0.5 * Math.atan2(2 * sxy, sxx - syy) * 180) / Math.PI;
}
