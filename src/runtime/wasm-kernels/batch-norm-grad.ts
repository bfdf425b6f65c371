import * as tf from '@tensorflow/tfjs';
import type { FusedBatchNormAttrs, GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';

/**
 * tfjs-core's FusedBatchNorm gradient with the one `tile` (of 1/σ to the full [N,H,W,C] shape)
 * replaced by a broadcasting multiply. The products are the same floats, so the gradient is
 * bit-identical; on wasm the generic Tile kernel alone was ~20% of a batch-norm net's step.
 * Gradients are global (not per backend), which is fine because the numerics do not change.
 */
const tileFreeBatchNormGrad: GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
    const g = dy as Tensor;
    const [x, mean, variance, scale] = saved;
    const scaleValue = scale ?? tf.scalar(1);
    const reductionAxes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const perChannel = mean.rank === 1;
    const reduce = (t: Tensor): Tensor => (perChannel ? tf.sum(t, reductionAxes) : t);
    const xMinusMean = tf.sub(x, mean);
    const dyTimesScale = tf.mul(g, scaleValue);
    const rsqrtVar = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const minusHalfRCube = tf.mul(tf.mul(tf.mul(rsqrtVar, rsqrtVar), rsqrtVar), tf.scalar(-0.5));
    return {
      x: () =>
        perChannel
          ? tf.reshape(tf.mul(tf.mul(g, tf.reshape(rsqrtVar, [1, 1, 1, mean.shape[0]])), scaleValue), x.shape)
          : tf.reshape(tf.mul(tf.mul(g, rsqrtVar), scaleValue), x.shape),
      mean: () => tf.reshape(reduce(tf.mul(tf.mul(rsqrtVar, tf.scalar(-1)), dyTimesScale)), mean.shape),
      variance: () =>
        tf.reshape(reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)), mean.shape),
      scale: () => tf.reshape(reduce(tf.mul(g, tf.mul(xMinusMean, rsqrtVar))), mean.shape),
      offset: () => tf.reshape(reduce(g), mean.shape),
    };
  },
};

export function registerTileFreeBatchNormGradient(): void {
  tf.registerGradient(tileFreeBatchNormGrad);
}
