import type { RgbImage } from '../image/rgb-image.ts';
import type { FaceEmbedder } from './embedder.ts';

/**
 * Probes routed by face size (issue 10, `embed.teacherFromPx`): faces smaller than `fromPx` go to the
 * student, larger ones to the teacher followed by the student's step-1 adapter. Both write into the
 * same adapted-HR space, the space the watchlist is enrolled in, so one gallery, one cohort and one
 * threshold table serve both (the table's rows are per face size, and each row is calibrated with the
 * model its sizes are routed to).
 *
 * Why: the student is the better model where the teacher fails — under ~20 px — but it saturates near
 * 89% LFW HR-LR accuracy from 24 px up, where the teacher with the adapter reaches 95–97% against the
 * same gallery (docs/BENCHMARKS.md, "Session 9"). The teacher costs ~30x the student per face, spent
 * only on the larger faces; on a GPU embed worker that cost is small.
 *
 * The name, dimension and input size are the student's: the watchlist is stored under the student's
 * name and probes are cut at its input size.
 */
export class SizeRoutedEmbedder implements FaceEmbedder {
  readonly name: string;
  readonly dim: number;
  readonly inputSize: number;
  readonly params: number;

  /**
   * `small`: the student; `large`: the adapted teacher (same space); `release`: what dispose() frees
   * besides the two (e.g. a teacher loaded just for this).
   */
  constructor(
    private readonly small: FaceEmbedder,
    private readonly large: FaceEmbedder,
    readonly fromPx: number,
    private readonly release: () => void = () => {},
  ) {
    if (small.dim !== large.dim) {
      throw new RangeError(
        `size routing needs one embedding space: ${small.name} has dim ${small.dim}, ${large.name} ${large.dim}`,
      );
    }
    if (!(fromPx > 0)) throw new RangeError(`teacherFromPx must be positive, got ${fromPx}`);
    this.name = small.name;
    this.dim = small.dim;
    this.inputSize = small.inputSize;
    this.params = small.params + large.params;
  }

  /** Whether a face of `px` pixels goes to the large model. */
  routesLarge(px: number): boolean {
    return px >= this.fromPx;
  }

  /** Without `facePx` each chip's width is its face size (a chip at the face's own resolution). */
  async embed(chips: readonly RgbImage[], facePx?: readonly number[]): Promise<Float32Array[]> {
    if (facePx && facePx.length !== chips.length) {
      throw new RangeError(`${chips.length} chips but ${facePx.length} face sizes`);
    }
    const largeIdx: number[] = [];
    const smallIdx: number[] = [];
    chips.forEach((c, i) => (this.routesLarge(facePx ? facePx[i]! : c.width) ? largeIdx : smallIdx).push(i));
    const out = new Array<Float32Array>(chips.length);
    const run = async (model: FaceEmbedder, idx: number[]): Promise<void> => {
      if (idx.length === 0) return;
      const vectors = await model.embed(idx.map((i) => chips[i]!));
      idx.forEach((i, k) => (out[i] = vectors[k]!));
    };
    // One after the other: on one core in parallel would only interleave the same work.
    await run(this.small, smallIdx);
    await run(this.large, largeIdx);
    return out;
  }

  dispose(): void {
    this.small.dispose();
    this.large.dispose();
    this.release();
  }
}
