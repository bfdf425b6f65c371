import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DynamicBatcher } from '../embed/dynamic-batcher.ts';
import type { IdentityEvent } from '../events/identity-event.ts';
import { encodeImage } from '../image/decode.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { CohortNormaliser } from '../match/cohort-norm.ts';
import { decide, fuseEmbeddings, type DecisionPolicy } from '../match/decision.ts';
import type { PipelineMetrics } from '../metrics/pipeline-metrics.ts';
import { decodeFaceBatch, type FaceBatch, type FaceCropMeta } from '../queue/face-batch.ts';
import type { DecisionMemory } from './decision-memory.ts';
import type { EventSink } from './event-sink.ts';
import type { GallerySource } from './gallery-source.ts';

export interface MatchStageOptions {
  readonly model: string;
  readonly topK: number;
  readonly policy: DecisionPolicy;
  /** Store evidence crops for matches only (default, privacy) or for every decision. */
  readonly evidenceFor: 'match' | 'all';
  /** A later decision is an `update` when its score beats the last one by this much. @defaultValue 0.02 */
  readonly updateMinGain?: number;
  /**
   * Cohort score normalisation (`match.scoreNorm: cohort`): candidate scores become the query's
   * normalised scores before the decision; the policy's thresholds are in those units. None: cosines.
   */
  readonly normaliser?: CohortNormaliser;
}

/**
 * The embed worker's job handler: embeds a batch of crops (through the dynamic batcher), fuses each
 * track's embeddings, matches them against the watchlist in one search, decides open-set, and writes
 * one event per track decision (plus updates when confidence rises). Embeddings are never stored:
 * nothing about a non-matching person is persisted except, if configured, an evidence crop with a TTL.
 */
export class MatchStage {
  constructor(
    private readonly batcher: DynamicBatcher,
    private readonly gallery: GallerySource,
    private readonly decisions: DecisionMemory,
    private readonly sink: EventSink,
    private readonly metrics: PipelineMetrics,
    private readonly options: MatchStageOptions,
  ) {}

  async process(batch: FaceBatch): Promise<IdentityEvent[]> {
    // Stage timers (performance.now(), seconds into the PipelineMetrics histograms): decode → embed →
    // match (fuse + search + decide) → event write (decision memory, evidence, append).
    const metrics = this.metrics;
    const tStart = performance.now();
    const images = decodeFaceBatch(batch);
    const tDecoded = performance.now();
    metrics.embedDecodeSeconds.observe((tDecoded - tStart) / 1000);
    const embeddings = await this.batcher.embed(
      images,
      batch.crops.map((c) => c.facePx),
    );
    const tEmbedded = performance.now();
    metrics.embedBatchSeconds.observe((tEmbedded - tDecoded) / 1000);
    metrics.facesEmbedded.inc(images.length);

    const tracks = new Map<string, { metas: FaceCropMeta[]; embs: Float32Array[]; images: RgbImage[] }>();
    batch.crops.forEach((meta, i) => {
      const t = tracks.get(meta.trackId) ?? { metas: [], embs: [], images: [] };
      t.metas.push(meta);
      t.embs.push(embeddings[i]!);
      t.images.push(images[i]!);
      tracks.set(meta.trackId, t);
    });
    const entries = [...tracks.entries()];
    const fused = entries.map(([, t]) =>
      fuseEmbeddings(
        t.embs,
        t.metas.map((m) => m.quality),
      ),
    );
    const { gallery, names } = await this.gallery.current();
    const raw = await gallery.search(fused, this.options.topK);
    const normaliser = this.options.normaliser;
    const stats = normaliser?.statsMany(fused);
    const candidates = stats ? raw.map((c, i) => CohortNormaliser.applyToCandidates(c, stats[i]!)) : raw;
    // Decide every track first (CPU only), then write all of them concurrently: each track's Redis
    // commands stay in order (record the decision atomically → append, or restore on failure), while the tracks of one job share round
    // trips on the connection instead of paying ~4 sequential ones each.
    const decided = entries.map(([trackId, t], i) => {
      const bestIdx = t.metas.reduce((b, m, j) => (m.quality > t.metas[b]!.quality ? j : b), 0);
      const facePx = Math.max(...t.metas.map((m) => m.facePx));
      const quality = Math.max(...t.metas.map((m) => m.quality));
      const result = decide(this.options.policy, { candidates: candidates[i]!, facePx, quality });
      return { trackId, t, bestIdx, facePx, quality, result };
    });
    const tWrite = performance.now();
    metrics.matchSeconds.observe((tWrite - tEmbedded) / 1000);

    const written = await Promise.all(
      decided.map(async ({ trackId, t, bestIdx, facePx, quality, result }) => {
        const decision = { decision: result.decision, score: result.score, identityId: result.identityId };
        const { kind, prior } = await this.decisions.record(
          trackId,
          decision,
          this.options.updateMinGain ?? 0.02,
        );
        if (kind === null) return null;
        const withEvidence = result.decision === 'match' || this.options.evidenceFor === 'all';
        const eventId = randomUUID();
        const best = t.metas[bestIdx]!;
        const event: IdentityEvent = {
          eventId,
          kind,
          camera: batch.camera,
          trackId,
          decision: result.decision,
          identityId: result.identityId,
          identityName: result.identityId ? (names.get(result.identityId) ?? null) : null,
          score: result.score,
          margin: result.margin,
          threshold: result.threshold,
          facePx,
          quality,
          frameTimeMs: Math.round(best.frameTimeMs),
          boxX: best.box.x,
          boxY: best.box.y,
          boxWidth: best.box.width,
          boxHeight: best.box.height,
          frameIndex: best.frameIndex ?? null,
          mediaTimeMs: best.mediaTimeMs ?? null,
          evidenceKey: withEvidence ? eventId : null,
          model: this.options.model,
        };
        try {
          await this.sink.append(
            event,
            withEvidence ? await encodeImage(t.images[bestIdx]!, 'png') : undefined,
          );
        } catch (err) {
          // The event was not written: a retry of this job must still see the track as undecided.
          await this.decisions.restore(trackId, decision, prior).catch(() => {});
          throw err;
        }
        metrics.events.inc({ decision: result.decision, kind });
        const newest = Math.max(...t.metas.map((m) => m.frameTimeMs));
        metrics.eventLatencySeconds.observe((Date.now() - newest) / 1000);
        return event;
      }),
    );
    metrics.eventWriteSeconds.observe((performance.now() - tWrite) / 1000);
    metrics.embedJobSeconds.observe((performance.now() - tStart) / 1000);
    return written.filter((e): e is IdentityEvent => e !== null);
  }
}
