import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { probeModelDir } from './model-paths.ts';
import { loadModelFromDir, saveModelToDir } from './student/model-io.ts';

/**
 * Inference with the step-1 feature adapter (trained by src/distill/train-adapter.ts): it maps the
 * teacher's embeddings into the space the student was distilled to mimic. The saved graph holds the
 * residual shortcut; the final normalisation is applied here (no custom layers, so any tfjs loader
 * reads the directory).
 */

/** Runs the adapter over many embeddings (batched), returning L2-normalised Float32Arrays. */
export async function adaptEmbeddings(
  adapter: tf.LayersModel,
  embeddings: readonly Float32Array[],
  batchSize = 1024,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  if (embeddings.length === 0) return out;
  const dim = embeddings[0].length;
  for (let start = 0; start < embeddings.length; start += batchSize) {
    const chunk = embeddings.slice(start, start + batchSize);
    const flat = new Float32Array(chunk.length * dim);
    chunk.forEach((e, i) => flat.set(e, i * dim));
    const y = tf.tidy(() => {
      const a = adapter.predict(tf.tensor2d(flat, [chunk.length, dim])) as tf.Tensor2D;
      return tf.div(a, tf.add(tf.norm(a, 'euclidean', 1, true), 1e-12));
    });
    const values = (await y.data()) as Float32Array;
    y.dispose();
    const outDim = values.length / chunk.length;
    for (let i = 0; i < chunk.length; i++) out.push(values.slice(i * outDim, (i + 1) * outDim));
  }
  return out;
}

export function saveAdapter(adapter: tf.LayersModel, dir: string): Promise<void> {
  return saveModelToDir(adapter, dir, { metadata: { kind: 'bridgeface-adapter', normalizeOutput: true } });
}

export function loadAdapter(dir: string): Promise<tf.LayersModel> {
  return loadModelFromDir(dir);
}

/**
 * Where the step-1 adapter belonging to a probe model lives: `adapter/` beside the student's directory
 * (training installs both side by side), so gallery and probe always come from one training run,
 * including a student moved by BRIDGEFACE_STUDENT_DIR; none for the teacher.
 */
export function adapterDirFor(probeModel: string): string | undefined {
  const studentDir = probeModelDir(probeModel);
  return studentDir === undefined ? undefined : join(dirname(studentDir), 'adapter');
}
