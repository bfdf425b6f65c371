import * as tf from '@tensorflow/tfjs';
import { cosFaceLoss, cosineDistanceLoss, similarityPreservingLoss } from './losses.ts';

/**
 * One batch's loss in step 2 (resolution-adapted distillation), as a pure tensor function (call it
 * inside tf.tidy / optimizer.minimize):
 *
 *   L = w_mimic · (1 − cos(student(LR), target(HR)))  +  w_id · CosFace(student(LR), W_lr, identity)
 *       + w_rel · mean((cos(student_i, student_j) − cos(target_i, target_j))²)
 */

export interface StudentLossWeights {
  /** Weight of the mimic term; 0 switches it off. */
  readonly mimicWeight: number;
  /** Weight of the identity (CosFace) term (it is on when a classifier is given). */
  readonly identityWeight: number;
  /** CosFace scale. */
  readonly scale: number;
  /** CosFace margin. */
  readonly margin: number;
  /**
   * Weight of the relational term: the batch's pairwise cosines between LR embeddings asked to equal
   * those between their targets. Mimicry fits each face to its own target; this fits the geometry
   * between faces, which is what LR-LR verification reads. 0 or absent switches it off.
   */
  readonly relationWeight?: number;
}

export interface StudentLossBatch {
  /** The student's embeddings of the batch's LR faces [N, D]. */
  readonly embeddings: tf.Tensor2D;
  /** Their distillation targets [N, D]. */
  readonly targets: tf.Tensor2D;
  /** Their identities, int32 [N] class indices. */
  readonly labels: tf.Tensor1D;
  /** The identity classifier [D, C]; without it the identity term is off. */
  readonly classifier?: tf.Tensor2D;
}

export interface StudentLossTerms {
  readonly total: tf.Scalar;
  /** Present when the mimic term is on. */
  readonly mimic?: tf.Scalar;
  /** Present when the identity term is on. */
  readonly identity?: tf.Scalar;
  /** Present when the relational term is on. */
  readonly relation?: tf.Scalar;
}

/** The weighted sum and its terms (unweighted) for one batch. */
export function studentLoss(batch: StudentLossBatch, weights: StudentLossWeights): StudentLossTerms {
  let total: tf.Scalar = tf.scalar(0);
  let mimic: tf.Scalar | undefined;
  let identity: tf.Scalar | undefined;
  let relation: tf.Scalar | undefined;
  if (weights.mimicWeight > 0) {
    mimic = cosineDistanceLoss(batch.embeddings, batch.targets);
    total = tf.add(total, tf.mul(mimic, weights.mimicWeight));
  }
  if (batch.classifier) {
    identity = cosFaceLoss(batch.embeddings, batch.classifier, batch.labels, {
      scale: weights.scale,
      margin: weights.margin,
    });
    total = tf.add(total, tf.mul(identity, weights.identityWeight));
  }
  const relationWeight = weights.relationWeight ?? 0;
  if (relationWeight > 0) {
    relation = similarityPreservingLoss(batch.embeddings, batch.targets);
    total = tf.add(total, tf.mul(relation, relationWeight));
  }
  return { total, mimic, identity, relation };
}
