import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../image/rgb-image.ts';
import { cropAndResizeBox, type View } from './box-mapping.ts';

/**
 * The network inputs of `views` of one frame, resampled (bilinear) to `inputWidth` x `inputHeight`
 * in one `cropAndResize`: `image` is the frame as [1, H, W, 3]; parts of a view outside the frame take
 * `padValue`. The caller owns (and disposes) the returned batch.
 */
export function cropViewBatch(
  image: tf.Tensor4D,
  views: readonly View[],
  inputWidth: number,
  inputHeight: number,
  padValue = 0,
): tf.Tensor4D {
  const [, height, width] = image.shape;
  return tf.tidy(() =>
    tf.image.cropAndResize(
      image,
      tf.tensor2d(views.map((v) => cropAndResizeBox(v, width, height))),
      tf.zeros([views.length], 'int32') as tf.Tensor1D,
      [inputHeight, inputWidth],
      'bilinear',
      padValue,
    ),
  );
}

/**
 * What cropViewBatch computes, in JavaScript straight from the frame's bytes into a [n, h, w, 3]
 * float buffer: for a net that runs natively (runtime/native-chain.ts) this skips uploading and
 * casting the frame and reading the batch back. Same sampling as cropAndResize (bilinear; network
 * pixel i samples the frame at view.x + (i + 0.5)·width/inputWidth − 0.5; samples outside the frame
 * take `padValue`).
 */
export function cropViewPixels(
  frame: RgbImage,
  views: readonly View[],
  inputWidth: number,
  inputHeight: number,
  padValue = 0,
): Float32Array {
  const { width: W, height: H, data } = frame;
  const out = new Float32Array(views.length * inputHeight * inputWidth * 3);
  const x0 = new Int32Array(inputWidth);
  const xl = new Float32Array(inputWidth);
  const xIn = new Uint8Array(inputWidth);
  let o = 0;
  for (const v of views) {
    const sx = v.width / v.inputWidth;
    const sy = v.height / v.inputHeight;
    for (let i = 0; i < inputWidth; i++) {
      const x = v.x + (i + 0.5) * sx - 0.5;
      xIn[i] = x >= 0 && x <= W - 1 ? 1 : 0;
      x0[i] = Math.floor(x);
      xl[i] = x - x0[i]!;
    }
    for (let j = 0; j < inputHeight; j++) {
      const y = v.y + (j + 0.5) * sy - 0.5;
      if (y < 0 || y > H - 1) {
        out.fill(padValue, o, o + inputWidth * 3);
        o += inputWidth * 3;
        continue;
      }
      const top = Math.floor(y);
      const bottom = Math.min(top + 1, H - 1);
      const yl = y - top;
      const rowT = top * W * 3;
      const rowB = bottom * W * 3;
      for (let i = 0; i < inputWidth; i++) {
        if (!xIn[i]) {
          out[o++] = padValue;
          out[o++] = padValue;
          out[o++] = padValue;
          continue;
        }
        const left = x0[i]! * 3;
        const right = Math.min(x0[i]! + 1, W - 1) * 3;
        const a = xl[i]!;
        for (let c = 0; c < 3; c++) {
          const tl = data[rowT + left + c]!;
          const t = tl + (data[rowT + right + c]! - tl) * a;
          const bl = data[rowB + left + c]!;
          const b = bl + (data[rowB + right + c]! - bl) * a;
          out[o++] = t + (b - t) * yl;
        }
      }
    }
  }
  return out;
}
