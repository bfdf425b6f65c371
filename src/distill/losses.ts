import * as tf from '@tensorflow/tfjs';

/**
 * Loss terms of bridge distillation, as pure tensor functions (call inside tf.tidy / optimizer.minimize).
 * Embeddings are [N, D]; labels are int32 [N] class indices.
 */

/** Row-wise L2 normalisation; the epsilon keeps zero rows finite. */
export function l2Normalize(x: tf.Tensor2D, axis = 1): tf.Tensor2D {
  return tf.div(x, tf.add(tf.norm(x, 'euclidean', axis, true), 1e-12));
}

export interface MarginSoftmaxOptions {
  /** Logit scale s. @defaultValue 30 */
  readonly scale?: number;
  /** Additive cosine margin m (CosFace). @defaultValue 0.35 */
  readonly margin?: number;
}

/**
 * CosFace (large-margin cosine) loss: softmax cross-entropy over `s · (cos θ_j − m·[j = y])` with both the
 * embeddings and the class weights L2-normalised. `weights` is [D, C]. CosFace rather than ArcFace: the
 * additive cosine margin has no `cos(θ + m)` branch to stabilise when θ + m > π, and it converges well
 * from an imprinted (class-mean) initialisation, which we use.
 */
export function cosFaceLoss(
  embeddings: tf.Tensor2D,
  weights: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: MarginSoftmaxOptions = {},
): tf.Scalar {
  const s = options.scale ?? 30;
  const m = options.margin ?? 0.35;
  const numClasses = weights.shape[1];
  const cos = tf.matMul(l2Normalize(embeddings), l2Normalize(weights, 0));
  const oneHot = tf.oneHot(labels, numClasses).toFloat();
  const logits = tf.mul(tf.sub(cos, tf.mul(oneHot, m)), s);
  return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
}

/** Mean of `1 − cos(a_i, b_i)`: the mimic loss between student and target embeddings. */
export function cosineDistanceLoss(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
  return tf.sub(1, tf.mean(tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), 1)));
}

/**
 * Knowledge-preserving term: mean squared difference between the batch's pairwise cosine-similarity
 * matrices of `adapted` and `reference` features. It constrains only the *geometry* of the batch (which
 * faces are close to which), not the coordinates, so the adapter is free to rotate/reshape the space for
 * the new identities while keeping what the teacher knew about unseen faces.
 */
export function similarityPreservingLoss(adapted: tf.Tensor2D, reference: tf.Tensor2D): tf.Scalar {
  const a = l2Normalize(adapted);
  const r = l2Normalize(reference);
  const sa = tf.matMul(a, a, false, true);
  const sr = tf.matMul(r, r, false, true);
  return tf.mean(tf.square(tf.sub(sa, sr)));
}

/**
 * Imprinted class weights [D, C]: the L2-normalised mean embedding of each class (zero for classes with no
 * samples). Starting the margin classifier at the class centres makes the first steps train the features
 * rather than a random classifier, which matters with thousands of classes and few epochs.
 */
export function imprintWeights(
  embeddings: readonly Float32Array[],
  labels: readonly number[],
  numClasses: number,
): Float32Array {
  const dim = embeddings[0]?.length ?? 0;
  const w = new Float32Array(dim * numClasses);
  embeddings.forEach((e, i) => {
    const c = labels[i];
    for (let d = 0; d < dim; d++) w[d * numClasses + c] += e[d];
  });
  for (let c = 0; c < numClasses; c++) {
    let n = 0;
    for (let d = 0; d < dim; d++) n += w[d * numClasses + c] ** 2;
    n = Math.sqrt(n);
    if (n > 0) for (let d = 0; d < dim; d++) w[d * numClasses + c] /= n;
  }
  return w;
}
