import { mirrorImage, type RgbImage } from '../image/rgb-image.ts';
import { fuseEmbeddings } from '../match/decision.ts';
import type { FaceEmbedder } from './embedder.ts';

/**
 * Test-time flip (issue 10): a face's embedding is the normalised sum of the model's embeddings of the
 * chip and of its mirror image. Faces are near-symmetric and every model here was trained with random
 * flips, so the two views err differently and their mean is the steadier code; it costs one more
 * forward pass per face. Same name-independent contract as the wrapped model (dimension, input size).
 */
export class FlipAveragedEmbedder implements FaceEmbedder {
  readonly name: string;
  readonly dim: number;
  readonly inputSize: number;
  readonly params: number;

  constructor(private readonly inner: FaceEmbedder) {
    this.name = `${inner.name}+flip`;
    this.dim = inner.dim;
    this.inputSize = inner.inputSize;
    this.params = inner.params;
  }

  async embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    if (chips.length === 0) return [];
    // One call for both views: the model batches them together.
    const out = await this.inner.embed([...chips, ...chips.map(mirrorImage)]);
    const n = chips.length;
    return chips.map((_, i) => fuseEmbeddings([out[i]!, out[n + i]!], [1, 1]));
  }

  dispose(): void {
    this.inner.dispose();
  }
}
