import * as tf from '@tensorflow/tfjs';
import { containsPoint, iou } from '../image/box.ts';
import { viewBoxToFrame, type View } from './box-mapping.ts';
import { cropViewBatch } from './crop-views.ts';
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

  /**
   * The detections that pass: small ones as they are, large ones the verifying net confirms. `image`
   * is the frame as [1, H, W, 3] (the tiled detector's, already on the backend; not disposed here), or
   * a getter called only when some detection needs checking.
   */
  async verify(
    image: tf.Tensor4D | (() => tf.Tensor4D),
    detections: readonly FaceDetection[],
  ): Promise<FaceDetection[]> {
    const { minSide } = this.options;
    const check = detections.filter((d) => Math.max(d.box.width, d.box.height) >= minSide);
    if (check.length === 0) return [...detections];
    const frame = typeof image === 'function' ? image() : image;
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
    const batch = cropViewBatch(frame, views, input, input);
    let perView;
    try {
      perView = await this.net.run(batch, this.options.scoreThreshold ?? 0.3);
    } finally {
      batch.dispose();
    }
    const confirmed = new Set<FaceDetection>();
    check.forEach((d, k) => {
      const seen = perView[k]!.map((g) => viewBoxToFrame(g.box, views[k]!));
      const cx = d.box.x + d.box.width / 2;
      const cy = d.box.y + d.box.height / 2;
      if (seen.some((b) => iou(b, d.box) >= 0.3 || containsPoint(b, cx, cy))) confirmed.add(d);
    });
    return detections.filter((d) => Math.max(d.box.width, d.box.height) < minSide || confirmed.has(d));
  }

  dispose(): void {
    this.net.dispose();
  }
}
