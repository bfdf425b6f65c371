import * as tf from '@tensorflow/tfjs';
import { iou, type Box } from '../image/box.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { cropAndResizeBox, viewBoxToFrame, type View } from './box-mapping.ts';
import type { TileNet } from './tile-nets.ts';
import type { FaceDetection } from './types.ts';

/**
 * A second opinion on large candidates: each detection at least `minSide` px is re-examined by another
 * net (face-api's tiny detector) on a window of `context` times its side around it, resampled so the
 * face spans ~`inputFace` net pixels (the tiny net's reliable size), all windows in one batch; the
 * candidate survives if that net finds a face overlapping it (IoU ≥ 0.3 or centre inside).
 *
 * Why only large ones: BridgeFace's small-face net is trained for 12–44 px faces and runs at coarse
 * pyramid levels for bigger ones, where a downscaled façade (a window grid shrunk 4x) can look like a
 * small face to it; at ≥ ~40 px face-api's tiny net is reliable (97% recall on bench:detect) and a
 * handful of 96x96 windows costs a few ms. Below that, the tiny net misses most real faces (its
 * weakness is why the small net exists), so small candidates are not vetoed.
 */
export interface FaceVerifierOptions {
  /** Candidates with a side (frame px) below this pass unchecked. */
  readonly minSide: number;
  /** Score threshold of the verifying net. @defaultValue 0.3 */
  readonly scoreThreshold?: number;
  /** Window side as a multiple of the candidate's side. @defaultValue 2.2 */
  readonly context?: number;
  /** Window side in net pixels (a multiple of the net's alignment). @defaultValue 96 */
  readonly input?: number;
}

export class FaceVerifier {
  constructor(
    private readonly net: TileNet,
    private readonly options: FaceVerifierOptions,
  ) {
    const input = options.input ?? 96;
    if (input % net.align !== 0)
      throw new RangeError(`verifier input ${input} is not a multiple of ${net.align}`);
  }

  /** The detections that pass: small ones as they are, large ones the verifying net confirms. */
  async verify(frame: RgbImage, detections: readonly FaceDetection[]): Promise<FaceDetection[]> {
    const { minSide } = this.options;
    const check = detections.filter((d) => Math.max(d.box.width, d.box.height) >= minSide);
    if (check.length === 0) return [...detections];
    const input = this.options.input ?? 96;
    const context = this.options.context ?? 2.2;
    const views: View[] = check.map(({ box }) => {
      const side = Math.max(box.width, box.height) * context;
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      return {
        x: cx - side / 2,
        y: cy - side / 2,
        width: side,
        height: side,
        inputWidth: input,
        inputHeight: input,
      };
    });
    const image = tf.tensor4d(frame.data, [1, frame.height, frame.width, 3], 'int32');
    let perView;
    try {
      const batch = tf.tidy(() =>
        tf.image.cropAndResize(
          image,
          tf.tensor2d(views.map((v) => cropAndResizeBox(v, frame.width, frame.height))),
          tf.zeros([views.length], 'int32') as tf.Tensor1D,
          [input, input],
          'bilinear',
        ),
      );
      try {
        perView = await this.net.run(batch as tf.Tensor4D, this.options.scoreThreshold ?? 0.3);
      } finally {
        batch.dispose();
      }
    } finally {
      image.dispose();
    }
    const confirmed = new Set<FaceDetection>();
    check.forEach((d, k) => {
      const seen = perView[k]!.map((g) => viewBoxToFrame(g.box, views[k]!));
      if (seen.some((b) => iou(b, d.box) >= 0.3 || centreInside(d.box, b))) confirmed.add(d);
    });
    return detections.filter((d) => Math.max(d.box.width, d.box.height) < minSide || confirmed.has(d));
  }

  dispose(): void {
    this.net.dispose();
  }
}

function centreInside(inner: Box, outer: Box): boolean {
  const cx = inner.x + inner.width / 2;
  const cy = inner.y + inner.height / 2;
  return cx >= outer.x && cx < outer.x + outer.width && cy >= outer.y && cy < outer.y + outer.height;
}
