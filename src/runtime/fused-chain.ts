import * as tf from '@tensorflow/tfjs';
import { chainSteps, type ChainStep } from './chain-steps.ts';

export { UnsupportedLayerError } from './chain-steps.ts';

/**
 * Inference for chain-shaped conv nets (runtime/chain-steps.ts) as a plain sequence of fused tfjs ops
 * instead of a tf.layers graph: each convolution runs as one `tf.fused.conv2d` /
 * `tf.fused.depthwiseConv2d` kernel with its bias and PReLU/ReLU applied inside the kernel, and the
 * final dense layer as one `tf.fused.matMul`. On the wasm backend the forward pass alone runs ~2x
 * faster than the layers graph at batch 256 (the graph pays per-layer bookkeeping and a separate pass
 * over every activation tensor for each bias and PReLU); a whole StudentEmbedder.embed() call, which
 * also resizes, packs and normalises, gains 1.0-1.3x (docs/BENCHMARKS.md).
 */
export interface FusedChain {
  /** [N, S, S, C] → [N, D], same maths as the source model's predict. Call inside tf.tidy or dispose. */
  predict(x: tf.Tensor4D): tf.Tensor2D;
  /** Releases the chain's own copies of the weights. */
  dispose(): void;
}

type Step = (x: tf.Tensor) => tf.Tensor;

/** Compiles `model` into fused steps; UnsupportedLayerError when it is not a supported chain. */
export function fuseChain(model: tf.LayersModel): FusedChain {
  const described = chainSteps(model);
  const owned: tf.Tensor[] = described.flatMap((s) => ('alpha' in s && s.alpha ? [s.alpha] : []));
  // Copies: the chain must outlive (and not alias) the source model's variables.
  const own = <T extends tf.Tensor>(t: T): T => {
    const c = tf.keep(tf.clone(t));
    owned.push(c);
    return c;
  };
  const steps = described.map((s) => compile(s, own));
  return {
    predict: (x) => tf.tidy(() => steps.reduce<tf.Tensor>((t, step) => step(t), x) as tf.Tensor2D),
    dispose: () => tf.dispose(owned),
  };
}

function compile(step: ChainStep, own: <T extends tf.Tensor>(t: T) => T): Step {
  if (step.kind === 'rescale') return (x) => tf.add(tf.mul(x, step.scale), step.offset);
  if (step.kind === 'flatten') return (x) => tf.reshape(x, [x.shape[0], -1]);
  const [kernel, bias] = step.weights.map(own);
  const act = { bias, activation: step.activation, preluActivationWeights: step.alpha };
  if (step.kind === 'dense') {
    return (x) => tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel as tf.Tensor2D, ...act });
  }
  const strides = step.config.strides ?? [1, 1];
  const pad = step.config.padding ?? 'valid';
  const dilations = step.config.dilationRate ?? 1;
  const conv = step.kind === 'conv2d' ? tf.fused.conv2d : tf.fused.depthwiseConv2d;
  return (x) => conv({ x: x as tf.Tensor4D, filter: kernel as tf.Tensor4D, strides, pad, dilations, ...act });
}
