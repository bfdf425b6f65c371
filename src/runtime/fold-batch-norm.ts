import * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

const FOLDABLE = new Set(['Conv2D', 'DepthwiseConv2D']);

/**
 * Returns an inference copy of a chain-shaped tf.layers model (each layer feeding only the next,
 * e.g. any tf.Sequential) in which every BatchNormalization directly after a linear Conv2D or
 * DepthwiseConv2D is folded into that convolution's kernel and bias:
 *   s = γ / √(σ² + ε),  W' = W · s (per output channel),  b' = β + (b − μ) · s.
 * The copy has its own weights (the source model is untouched and may be disposed independently);
 * it computes what the source computes in inference mode, with fewer layers and parameters.
 */
export function foldBatchNorm(model: tf.LayersModel): tf.LayersModel {
  const chain = chainLayers(model);
  const input = tf.input({ shape: model.inputs[0].shape.slice(1) as number[] });
  let x: tf.SymbolicTensor = input;
  const assignments: { layer: Layer; weights: tf.Tensor[] }[] = [];
  // getWeights() returns the source's live variables (not copies): only our folded tensors are ours.
  const created: tf.Tensor[] = [];
  try {
    for (let i = 0; i < chain.length; i++) {
      const layer = chain[i];
      const bn = chain[i + 1];
      if (bn !== undefined && canFold(layer, bn)) {
        const config = { ...layer.getConfig(), useBias: true };
        const folded = layerFromConfig(layer.getClassName(), config);
        x = folded.apply(x) as tf.SymbolicTensor;
        const weights = foldedWeights(layer, bn);
        created.push(...weights);
        assignments.push({ layer: folded, weights });
        i++;
      } else {
        const copy = layerFromConfig(layer.getClassName(), layer.getConfig());
        x = copy.apply(x) as tf.SymbolicTensor;
        assignments.push({ layer: copy, weights: layer.getWeights() });
      }
    }
    const folded = tf.model({ inputs: input, outputs: x, name: `${model.name}_folded` });
    for (const { layer, weights } of assignments) layer.setWeights(weights);
    return folded;
  } finally {
    // setWeights copied the values into the new layers' own variables.
    tf.dispose(created);
  }
}

/** A fresh layer (own weights) from a class name and a getConfig() result, via the layers registry. */
function layerFromConfig(className: string, config: tf.serialization.ConfigDict): Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry === undefined) throw new Error(`foldBatchNorm: layer class ${className} is not registered`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as unknown as Layer;
}

/**
 * The model's layers in order (without the InputLayer), after checking that each one consumes exactly
 * the previous one; `who` names the caller in errors.
 */
export function chainLayers(model: tf.LayersModel, who = 'foldBatchNorm'): Layer[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `${who}: expected one input and one output, got ${model.inputs.length}/${model.outputs.length}`,
    );
  }
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  for (let i = 1; i < layers.length; i++) {
    const inbound = layers[i].inboundNodes.flatMap((n) => n.inboundLayers);
    if (layers[i].inboundNodes.length !== 1 || inbound.length !== 1 || inbound[0] !== layers[i - 1]) {
      throw new Error(
        `${who}: ${layers[i].name} does not simply follow ${layers[i - 1].name}; only chains are supported`,
      );
    }
  }
  return layers;
}

function canFold(layer: Layer, bn: Layer): boolean {
  if (!FOLDABLE.has(layer.getClassName()) || bn.getClassName() !== 'BatchNormalization') return false;
  const conv = layer.getConfig();
  const norm = bn.getConfig();
  const axis = norm.axis as number;
  const lastAxis = axis === -1 || axis === (layer.outputShape as number[]).length - 1;
  return conv.activation === 'linear' && conv.dataFormat === 'channelsLast' && lastAxis;
}

/** [kernel', bias'] for `layer` absorbing `bn` (both read in inference mode: moving statistics). */
function foldedWeights(layer: Layer, bn: Layer): tf.Tensor[] {
  const norm = bn.getConfig();
  const bnWeights = bn.getWeights();
  const convWeights = layer.getWeights();
  return tf.tidy(() => {
    let k = 0;
    const gamma = norm.scale === true ? bnWeights[k++] : tf.scalar(1);
    const beta = norm.center === true ? bnWeights[k++] : tf.scalar(0);
    const [mean, variance] = [bnWeights[k], bnWeights[k + 1]];
    const s = tf.div(gamma, tf.sqrt(tf.add(variance, norm.epsilon as number)));
    const kernel = convWeights[0];
    // Depthwise kernels are [kh, kw, C, M] with output channel c·M + m: reshape s to [C, M].
    const sk = layer.getClassName() === 'DepthwiseConv2D' ? tf.reshape(s, kernel.shape.slice(2)) : s;
    const bias = convWeights[1] ?? tf.zerosLike(mean);
    return [tf.mul(kernel, sk), tf.add(beta, tf.mul(tf.sub(bias, mean), s))];
  });
}
