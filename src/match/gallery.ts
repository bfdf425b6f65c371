import * as tf from '@tensorflow/tfjs';
import type { GalleryEntry } from '../embed/gallery-entry.ts';

export interface Candidate {
  readonly identityId: string;
  /**
   * Cosine similarity of the query to the identity's closest enrolment embedding, or with cohort
   * normalisation (match/cohort-norm.ts) that cosine in the query's normalised units.
   */
  readonly score: number;
  /** The raw cosine, when `score` is normalised. */
  readonly cosine?: number;
}

/**
 * The watchlist as one matrix in tensor memory, searched with one matrix product per batch of queries
 * (queries × enrolments), then top-k on the backend: matching cost stays flat in JavaScript whatever the
 * watchlist size. An identity's score is its best enrolment photo's.
 */
export class Gallery {
  readonly dim: number;
  readonly identities: number;
  readonly rows: number;
  private readonly matrixT: tf.Tensor2D | undefined; // [dim, rows]
  private readonly owner: Int32Array; // row → identity index
  private readonly ids: string[];
  private readonly maxPerIdentity: number;

  constructor(entries: readonly GalleryEntry[], dim: number) {
    this.dim = dim;
    this.ids = entries.map((e) => e.identityId);
    this.identities = entries.length;
    const rows = entries.reduce((n, e) => n + e.embeddings.length, 0);
    this.rows = rows;
    this.owner = new Int32Array(rows);
    this.maxPerIdentity = Math.max(1, ...entries.map((e) => e.embeddings.length));
    const flat = new Float32Array(rows * dim);
    let r = 0;
    for (const [i, e] of entries.entries()) {
      for (const emb of e.embeddings) {
        if (emb.length !== dim) {
          throw new RangeError(
            `identity ${e.identityId}: embedding has ${emb.length} dims, the gallery ${dim}`,
          );
        }
        flat.set(emb, r * dim);
        this.owner[r++] = i;
      }
    }
    this.matrixT =
      rows > 0 ? tf.tidy(() => tf.tensor2d(flat, [rows, dim]).transpose<tf.Tensor2D>()) : undefined;
  }

  /** Top-k identities for each query (unit-norm, `dim` long), best first. */
  async search(queries: readonly Float32Array[], k: number): Promise<Candidate[][]> {
    if (queries.length === 0) return [];
    if (!this.matrixT) return queries.map(() => []);
    const flat = new Float32Array(queries.length * this.dim);
    for (const [i, q] of queries.entries()) {
      if (q.length !== this.dim) throw new RangeError(`query has ${q.length} dims, the gallery ${this.dim}`);
      flat.set(q, i * this.dim);
    }
    // Enough rows that k distinct identities survive even when every identity has several photos.
    const kRows = Math.min(this.rows, k * this.maxPerIdentity);
    const matrixT = this.matrixT;
    const { values, indices } = tf.tidy(() => {
      const scores = tf.matMul(tf.tensor2d(flat, [queries.length, this.dim]), matrixT);
      return tf.topk(scores, kRows, true);
    });
    const [v, ix] = await Promise.all([values.data(), indices.data()]);
    values.dispose();
    indices.dispose();
    return queries.map((_, qi) => {
      const out: Candidate[] = [];
      const seen = new Set<number>();
      for (let j = 0; j < kRows && out.length < k; j++) {
        const identity = this.owner[ix[qi * kRows + j]!]!;
        if (seen.has(identity)) continue;
        seen.add(identity);
        out.push({ identityId: this.ids[identity]!, score: v[qi * kRows + j]! });
      }
      return out;
    });
  }

  dispose(): void {
    this.matrixT?.dispose();
  }
}
