import * as tf from '@tensorflow/tfjs';
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
