import * as tf from '@tensorflow/tfjs';
import { chainLayers } from './fold-batch-norm.ts';

/**
 * Inference for chain-shaped conv nets (the LR student after runtime/fold-batch-norm.ts) as a plain
 * sequence of fused tfjs ops instead of a tf.layers graph: each convolution runs as one
 * `tf.fused.conv2d` / `tf.fused.depthwiseConv2d` kernel with its bias and PReLU/ReLU applied inside the
 * kernel, and the final dense layer as one `tf.fused.matMul`. On the wasm backend the forward pass
 * alone runs ~2x faster than the layers graph at batch 256 (the graph pays per-layer bookkeeping and a
 * separate pass over every activation tensor for each bias and PReLU); a whole StudentEmbedder.embed()
 * call, which also resizes, packs and normalises, gains 1.0-1.3x (docs/BENCHMARKS.md).
 *
 * Supported layers: InputLayer, Rescaling, Conv2D, DepthwiseConv2D (channels last, linear or ReLU
 * activation, optionally followed by a PReLU or ReLU layer), Flatten, Dense. Anything else (notably an
 * unfolded BatchNormalization) is an UnsupportedLayerError, so callers can keep the layers graph.
 */
export class UnsupportedLayerError extends Error {
  readonly code = 'UNSUPPORTED_LAYER';
  constructor(readonly what: string) {
    super(`fuseChain: ${what} is not supported`);
    this.name = 'UnsupportedLayerError';
  }
}

export interface FusedChain {
  /** [N, S, S, C] → [N, D], same maths as the source model's predict. Call inside tf.tidy or dispose. */
  predict(x: tf.Tensor4D): tf.Tensor2D;
  /** Releases the chain's own copies of the weights. */
  dispose(): void;
}

type Activation = 'linear' | 'relu' | 'prelu';
type Step = (x: tf.Tensor) => tf.Tensor;

interface ConvConfig {
  readonly strides?: [number, number];
  readonly padding?: 'same' | 'valid';
  readonly dilationRate?: [number, number] | number;
  readonly dataFormat?: string;
  readonly activation?: string;
  readonly useBias?: boolean;
}

/** Compiles `model` (one input, one output, each layer feeding only the next) into fused steps. */
export function fuseChain(model: tf.LayersModel): FusedChain {
  const owned: tf.Tensor[] = [];
  // Copies: the chain must outlive (and not alias) the source model's variables.
  const own = <T extends tf.Tensor>(t: T): T => {
    const c = tf.keep(tf.clone(t));
    owned.push(c);
    return c;
  };
  let layers: tf.layers.Layer[];
  try {
    layers = chainLayers(model, 'fuseChain');
  } catch (err) {
    throw new UnsupportedLayerError(`a graph that is not a chain (${(err as Error).message})`);
  }
  const steps: Step[] = [];
  try {
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      const cls = layer.getClassName();
      const config = layer.getConfig() as ConvConfig & Record<string, unknown>;
      if (cls === 'Rescaling') {
        const scale = Number(config.scale);
        const offset = Number(config.offset ?? 0);
        steps.push((x) => tf.add(tf.mul(x, scale), offset));
      } else if (cls === 'Flatten') {
        steps.push((x) => tf.reshape(x, [x.shape[0], -1]));
      } else if (cls === 'Conv2D' || cls === 'DepthwiseConv2D' || cls === 'Dense') {
        // Activation: the layer's own (linear/relu), else a following PReLU/ReLU layer is absorbed.
        let activation: Activation = config.activation === 'relu' ? 'relu' : 'linear';
        if (config.activation !== undefined && config.activation !== 'linear' && activation !== 'relu') {
          throw new UnsupportedLayerError(`layer ${cls} with activation ${String(config.activation)}`);
        }
        let alpha: tf.Tensor | undefined;
        const next = layers[i + 1];
        if (activation === 'linear' && next !== undefined) {
          const outChannels = (layer.outputShape as number[]).at(-1) ?? 0;
          if (next.getClassName() === 'PReLU' && next.getWeights()[0].size === outChannels) {
            activation = 'prelu';
            alpha = own(next.getWeights()[0].reshape([outChannels]));
            i++;
          } else if (next.getClassName() === 'ReLU' && (next.getConfig().maxValue ?? null) === null) {
            activation = 'relu';
            i++;
          }
        }
        steps.push(fusedStep(cls, config, layer.getWeights().map(own), activation, alpha));
      } else {
        throw new UnsupportedLayerError(`layer ${cls}`);
      }
    }
  } catch (err) {
    tf.dispose(owned);
    throw err;
  }
  return {
    predict: (x) => tf.tidy(() => steps.reduce<tf.Tensor>((t, step) => step(t), x) as tf.Tensor2D),
    dispose: () => tf.dispose(owned),
  };
}

function fusedStep(
  cls: string,
  config: ConvConfig,
  weights: tf.Tensor[],
  activation: Activation,
  alpha: tf.Tensor | undefined,
): Step {
  const [kernel, bias] = weights;
  const act = { bias, activation, preluActivationWeights: alpha };
  if (cls === 'Dense') {
    return (x) => tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel as tf.Tensor2D, ...act });
  }
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') {
    throw new UnsupportedLayerError(`layer ${cls} with dataFormat ${config.dataFormat}`);
  }
  const strides = config.strides ?? [1, 1];
  const pad = config.padding ?? 'valid';
  const dilations = config.dilationRate ?? 1;
  const conv = cls === 'Conv2D' ? tf.fused.conv2d : tf.fused.depthwiseConv2d;
  return (x) => conv({ x: x as tf.Tensor4D, filter: kernel as tf.Tensor4D, strides, pad, dilations, ...act });
}
