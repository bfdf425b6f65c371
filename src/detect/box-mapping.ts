import type { Box } from '../image/box.ts';

/**
 * Mapping between a network input image and the frame it was cut from. A view is an axis-aligned
 * window of the frame (`x`, `y`, `width`, `height` in frame pixels, fractional allowed) resampled to
 * `inputWidth` x `inputHeight` network pixels, so one network pixel spans width/inputWidth frame
 * pixels. Coordinates are continuous with pixel i covering [i, i+1) on both sides, so mapping is a
 * pure scale + offset with no half-pixel terms.
 */
export interface View {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly inputWidth: number;
  readonly inputHeight: number;
}

/** Maps a box in the view's input pixels to frame pixels. */
export function viewBoxToFrame(box: Box, view: View): Box {
  const sx = view.width / view.inputWidth;
  const sy = view.height / view.inputHeight;
  return { x: view.x + box.x * sx, y: view.y + box.y * sy, width: box.width * sx, height: box.height * sy };
}

/** Maps a box in frame pixels to the view's input pixels (inverse of `viewBoxToFrame`). */
export function frameBoxToView(box: Box, view: View): Box {
  const sx = view.inputWidth / view.width;
  const sy = view.inputHeight / view.height;
  return {
    x: (box.x - view.x) * sx,
    y: (box.y - view.y) * sy,
    width: box.width * sx,
    height: box.height * sy,
  };
}

/** Intersection of a box with the frame [0, width) x [0, height); zero-size when outside. */
export function clipBox(box: Box, width: number, height: number): Box {
  const x0 = Math.min(width, Math.max(0, box.x));
  const y0 = Math.min(height, Math.max(0, box.y));
  const x1 = Math.min(width, Math.max(0, box.x + box.width));
  const y1 = Math.min(height, Math.max(0, box.y + box.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The normalised `[y1, x1, y2, x2]` box for `tf.image.cropAndResize` that samples the view exactly:
 * cropAndResize puts output pixel i at source position y1·(H−1) + i·(y2−y1)·(H−1)/(h−1) in pixel-centre
 * units, and we want network pixel i's centre, (i + 0.5) · width/inputWidth + x − 0.5. Parts of the
 * view outside the frame take cropAndResize's extrapolation value.
 */
export function cropAndResizeBox(
  view: View,
  frameWidth: number,
  frameHeight: number,
): [number, number, number, number] {
  const sx = view.width / view.inputWidth;
  const sy = view.height / view.inputHeight;
  const nx = (v: number): number => (frameWidth > 1 ? v / (frameWidth - 1) : 0);
  const ny = (v: number): number => (frameHeight > 1 ? v / (frameHeight - 1) : 0);
  const x1 = view.x + 0.5 * sx - 0.5;
  const x2 = view.x + (view.inputWidth - 0.5) * sx - 0.5;
  const y1 = view.y + 0.5 * sy - 0.5;
  const y2 = view.y + (view.inputHeight - 0.5) * sy - 0.5;
  return [ny(y1), nx(x1), ny(y2), nx(x2)];
}
