import type * as tf from '@tensorflow/tfjs';
import { chainLayers } from './fold-batch-norm.ts';

/**
 * A chain-shaped conv net (the LR student after runtime/fold-batch-norm.ts) read as a list of
 * inference steps, each convolution with its bias and the PReLU/ReLU that follows it absorbed: the one
 * reading of a layers model that both runtimes compile — tfjs fused ops (runtime/fused-chain.ts) and
 * oneDNN's native kernels (runtime/native-chain.ts).
 *
 * Supported layers: InputLayer, Rescaling, Conv2D, DepthwiseConv2D (channels last, linear or ReLU
 * activation, optionally followed by a PReLU or ReLU layer), Flatten, Dense. Anything else (notably an
 * unfolded BatchNormalization) is an UnsupportedLayerError, so callers can keep the layers graph.
 */
export class UnsupportedLayerError extends Error {
  readonly code = 'UNSUPPORTED_LAYER';
  constructor(
    readonly what: string,
    who = 'fuseChain',
  ) {
    super(`${who}: ${what} is not supported`);
    this.name = 'UnsupportedLayerError';
  }
}

export type Activation = 'linear' | 'relu' | 'prelu';

export interface ConvConfig {
  readonly strides?: [number, number];
  readonly padding?: 'same' | 'valid';
  readonly dilationRate?: [number, number] | number;
  readonly dataFormat?: string;
  readonly activation?: string;
  readonly useBias?: boolean;
}

export type ChainStep =
  | { readonly kind: 'rescale'; readonly scale: number; readonly offset: number }
  | { readonly kind: 'flatten'; readonly inputShape: readonly number[] }
  | {
      readonly kind: 'conv2d' | 'depthwise' | 'dense';
      readonly config: ConvConfig;
      /** [kernel, bias?]: the layer's live weights (not copies). */
      readonly weights: readonly tf.Tensor[];
      readonly activation: Activation;
      /** PReLU slopes, [C] (a view of the PReLU layer's live weight, reshaped). */
      readonly alpha?: tf.Tensor;
      /** The layer's input shape, [null, H, W, C] or [null, C]. */
      readonly inputShape: readonly number[];
    };

const KIND = { Conv2D: 'conv2d', DepthwiseConv2D: 'depthwise', Dense: 'dense' } as const;

/**
 * Reads `model` (one input, one output, each layer feeding only the next) as ChainSteps. The alpha
 * tensors are new (reshaped) tensors the caller owns; everything else is the model's.
 */
export function chainSteps(model: tf.LayersModel, who = 'fuseChain'): ChainStep[] {
  let layers: tf.layers.Layer[];
  try {
    layers = chainLayers(model, who);
  } catch (err) {
    throw new UnsupportedLayerError(`a graph that is not a chain (${(err as Error).message})`, who);
  }
  const steps: ChainStep[] = [];
  const created: tf.Tensor[] = [];
  try {
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      const cls = layer.getClassName();
      const config = layer.getConfig() as ConvConfig & Record<string, unknown>;
      const inputShape = (i === 0 ? model.inputs[0].shape : layers[i - 1].outputShape) as number[];
      if (cls === 'Rescaling') {
        steps.push({ kind: 'rescale', scale: Number(config.scale), offset: Number(config.offset ?? 0) });
      } else if (cls === 'Flatten') {
        steps.push({ kind: 'flatten', inputShape });
      } else if (cls === 'Conv2D' || cls === 'DepthwiseConv2D' || cls === 'Dense') {
        // Activation: the layer's own (linear/relu), else a following PReLU/ReLU layer is absorbed.
        let activation: Activation = config.activation === 'relu' ? 'relu' : 'linear';
        if (config.activation !== undefined && config.activation !== 'linear' && activation !== 'relu') {
          throw new UnsupportedLayerError(`layer ${cls} with activation ${String(config.activation)}`, who);
        }
        if (cls !== 'Dense' && config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') {
          throw new UnsupportedLayerError(`layer ${cls} with dataFormat ${config.dataFormat}`, who);
        }
        let alpha: tf.Tensor | undefined;
        const next = layers[i + 1];
        if (activation === 'linear' && next !== undefined) {
          const outChannels = (layer.outputShape as number[]).at(-1) ?? 0;
          if (next.getClassName() === 'PReLU' && next.getWeights()[0].size === outChannels) {
            activation = 'prelu';
            alpha = next.getWeights()[0].reshape([outChannels]);
            created.push(alpha);
            i++;
          } else if (next.getClassName() === 'ReLU' && (next.getConfig().maxValue ?? null) === null) {
            activation = 'relu';
            i++;
          }
        }
        steps.push({
          kind: KIND[cls],
          config,
          weights: layer.getWeights(),
          activation,
          inputShape,
          ...(alpha ? { alpha } : {}),
        });
      } else {
        throw new UnsupportedLayerError(`layer ${cls}`, who);
      }
    }
  } catch (err) {
    for (const t of created) t.dispose();
    throw err;
  }
  return steps;
}
