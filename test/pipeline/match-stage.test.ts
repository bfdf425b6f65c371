import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { DynamicBatcher } from '../../src/embed/dynamic-batcher.ts';
import type { IdentityEvent } from '../../src/events/identity-event.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { PipelineMetrics } from '../../src/metrics/pipeline-metrics.ts';
import type { FaceEmbedder } from '../../src/models/embedder.ts';
import { LocalDecisionMemory } from '../../src/pipeline/decision-memory.ts';
import { StaticGallerySource } from '../../src/pipeline/gallery-source.ts';
import { MatchStage } from '../../src/pipeline/match-stage.ts';
import { CohortNormaliser } from '../../src/match/cohort-norm.ts';
import { encodeFaceBatch } from '../../src/queue/face-batch.ts';
import { initBackend } from '../../src/runtime/backend.ts';

before(async () => {
  await initBackend();
});

/** A chip's first byte picks its embedding: 1 → Jane's direction, 2 → John's, else a stranger's. */
const DIRS: Record<number, number[]> = { 1: [1, 0, 0], 2: [0, 1, 0], 3: [0, 0, 1] };
const embedder: FaceEmbedder = {
  name: 'fake',
  dim: 3,
  inputSize: 4,
  params: 0,
  async embed(chips: readonly RgbImage[]) {
    return chips.map((c) => Float32Array.from(DIRS[c.data[0]!] ?? [0.577, 0.577, 0.577]));
  },
  dispose() {},
};
const chip = (v: number): RgbImage => ({ width: 4, height: 4, data: new Uint8Array(48).fill(v) });
const meta = (trackId: string, facePx = 20, quality = 0.5) => ({
  trackId,
  facePx,
  quality,
  box: { x: 0, y: 0, width: facePx, height: facePx },
  frameTimeMs: Date.now(),
});

function stage(
  events: { e: IdentityEvent; evidence?: Buffer }[],
  evidenceFor: 'match' | 'all' = 'match',
  metrics = new PipelineMetrics(),
) {
  const gallery = new StaticGallerySource(
    [
      { identityId: 'jane', embeddings: [Float32Array.from([1, 0, 0])] },
      { identityId: 'john', embeddings: [Float32Array.from([0, 1, 0])] },
    ],
    new Map([
      ['jane', 'Jane Doe'],
      ['john', 'John Roe'],
    ]),
    3,
  );
  return new MatchStage(
    new DynamicBatcher(embedder, { maxWaitMs: 1 }),
    gallery,
    new LocalDecisionMemory(),
    { append: async (e, evidence) => void events.push({ e, evidence }) },
    metrics,
    {
      model: 'fake',
      topK: 3,
      policy: {
        minFacePx: 10,
        thresholds: [{ minFacePx: 10, threshold: 0.8 }],
        minMargin: 0.1,
        minQuality: 0.05,
      },
      evidenceFor,
    },
  );
}

test('one event per track: enrolled faces match, strangers are unknown, tiny faces too small', async () => {
  const events: { e: IdentityEvent; evidence?: Buffer }[] = [];
  const s = stage(events);
  const batch = encodeFaceBatch({ batchId: 'b', camera: 'cam', enqueuedAtMs: Date.now() }, 4, [
    { meta: meta('t-jane'), image: chip(1) },
    { meta: meta('t-jane', 22, 0.6), image: chip(1) },
    { meta: meta('t-stranger'), image: chip(3) },
    { meta: meta('t-tiny', 8), image: chip(2) },
  ]);
  await s.process(batch);
  const byTrack = Object.fromEntries(events.map(({ e }) => [e.trackId, e]));
  assert.equal(events.length, 3);
  assert.equal(byTrack['t-jane']!.decision, 'match');
  assert.equal(byTrack['t-jane']!.identityName, 'Jane Doe');
  assert.equal(byTrack['t-jane']!.facePx, 22);
  assert.equal(byTrack['t-stranger']!.decision, 'unknown');
  assert.equal(byTrack['t-stranger']!.identityId, null);
  assert.equal(byTrack['t-tiny']!.decision, 'too_small');
  const janeEvidence = events.find(({ e }) => e.trackId === 't-jane')!.evidence!;
  assert.deepEqual([...janeEvidence.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
  assert.equal(
    events.find(({ e }) => e.trackId === 't-stranger')!.evidence,
    undefined,
    'no evidence kept of strangers',
  );
});

test('an event carries the box, frame index and media time of its track’s best crop', async () => {
  const events: { e: IdentityEvent }[] = [];
  const at = (quality: number, x: number, frameIndex: number) => ({
    ...meta('t-jane', 20, quality),
    box: { x, y: 30, width: 20, height: 24 },
    frameIndex,
    mediaTimeMs: frameIndex * 200,
  });
  await stage(events).process(
    encodeFaceBatch({ batchId: 'g', camera: 'cam', enqueuedAtMs: Date.now() }, 4, [
      { meta: at(0.4, 10, 3), image: chip(1) },
      { meta: at(0.9, 50, 7), image: chip(1) },
      { meta: at(0.5, 90, 9), image: chip(1) },
    ]),
  );
  const [{ e }] = events;
  assert.deepEqual([e!.boxX, e!.boxY, e!.boxWidth, e!.boxHeight], [50, 30, 20, 24]);
  assert.deepEqual([e!.frameIndex, e!.mediaTimeMs], [7, 1400]);
});

test('a resubmitted track emits an update only when a match appears or firms up', async () => {
  const events: { e: IdentityEvent }[] = [];
  const s = stage(events);
  const submit = (v: number) =>
    s.process(
      encodeFaceBatch({ batchId: 'x', camera: 'cam', enqueuedAtMs: Date.now() }, 4, [
        { meta: meta('t1'), image: chip(v) },
      ]),
    );
  await submit(3); // unknown first
  await submit(3); // still unknown: silent
  await submit(1); // now a match: update
  await submit(1); // same match, same score: silent
  assert.deepEqual(
    events.map(({ e }) => `${e.kind}:${e.decision}`),
    ['decision:unknown', 'update:match'],
  );
});

test('every handler stage is timed once per batch (decode, embed, match, event write, whole job)', async () => {
  const metrics = new PipelineMetrics();
  const s = stage([], 'match', metrics);
  for (const id of ['a', 'b'])
    await s.process(
      encodeFaceBatch({ batchId: id, camera: 'cam', enqueuedAtMs: Date.now() }, 4, [
        { meta: meta(`t-${id}`), image: chip(1) },
        { meta: meta(`t-${id}`), image: chip(1) },
      ]),
    );
  for (const h of [
    metrics.embedDecodeSeconds,
    metrics.embedBatchSeconds,
    metrics.matchSeconds,
    metrics.eventWriteSeconds,
    metrics.embedJobSeconds,
  ]) {
    const { name, values } = await h.get();
    assert.equal(values.find((v) => v.metricName?.endsWith('_count'))?.value, 2, name);
  }
  const stages = await metrics.embedStageSeconds();
  assert.ok(Object.values(stages).every((v) => Number.isFinite(v) && v >= 0));
  assert.ok(stages.job >= stages.decode + stages.embed + stages.match + stages.eventWrite - 1e-6);
  assert.equal(stages.model, 0, 'the model is timed by the batcher (wired in createMatchStage)');
});

test('two in-flight jobs of one track emit one decision; a failed write leaves the track undecided', async () => {
  const events: { e: IdentityEvent; evidence?: Buffer }[] = [];
  const s = stage(events);
  const job = (id: string) =>
    encodeFaceBatch({ batchId: id, camera: 'cam', enqueuedAtMs: Date.now() }, 4, [
      { meta: meta('t-race'), image: chip(3) },
    ]);
  await Promise.all([s.process(job('b1')), s.process(job('b2'))]);
  assert.deepEqual(
    events.map((x) => x.e.kind),
    ['decision'],
  );

  let fail = true;
  const flaky = new MatchStage(
    new DynamicBatcher(embedder, { maxWaitMs: 1 }),
    new StaticGallerySource([], new Map(), 3),
    new LocalDecisionMemory(),
    {
      append: async (e) => {
        if (fail) throw new Error('stream unavailable');
        events.push({ e });
      },
    },
    new PipelineMetrics(),
    {
      model: 'fake',
      topK: 1,
      policy: {
        minFacePx: 10,
        thresholds: [{ minFacePx: 10, threshold: 0.8 }],
        minMargin: 0.1,
        minQuality: 0.05,
      },
      evidenceFor: 'match',
    },
  );
  await assert.rejects(flaky.process(job('b3')), /stream unavailable/);
  fail = false;
  const retried = await flaky.process(job('b3'));
  assert.deepEqual(
    retried.map((e) => e.kind),
    ['decision'],
    'the retry still emits the decision',
  );
});

test('with a cohort normaliser, decisions and event scores are in normalised units and the margin stays a cosine one', async () => {
  const events: { e: IdentityEvent }[] = [];
  const cohort = [
    Float32Array.from([0.6, 0.8, 0]),
    Float32Array.from([0.8, 0, 0.6]),
    Float32Array.from([0, 0.6, 0.8]),
    Float32Array.from([0.57735, 0.57735, 0.57735]),
  ];
  const normaliser = new CohortNormaliser(cohort, 4);
  const s = new MatchStage(
    new DynamicBatcher(embedder, { maxWaitMs: 1 }),
    new StaticGallerySource(
      [
        { identityId: 'jane', embeddings: [Float32Array.from([1, 0, 0])] },
        { identityId: 'john', embeddings: [Float32Array.from([0, 1, 0])] },
      ],
      new Map([
        ['jane', 'Jane Doe'],
        ['john', 'John Roe'],
      ]),
      3,
    ),
    new LocalDecisionMemory(),
    { append: async (e) => void events.push({ e }) },
    new PipelineMetrics(),
    {
      model: 'fake',
      topK: 3,
      // 1.5 deviations above the probe's cohort scores: a raw cosine threshold of 1.5 could never match.
      policy: {
        minFacePx: 10,
        thresholds: [{ minFacePx: 10, threshold: 1.5 }],
        minMargin: 0.1,
        minQuality: 0.05,
      },
      evidenceFor: 'match',
      normaliser,
    },
  );
  await s.process(
    encodeFaceBatch({ batchId: 'n', camera: 'cam', enqueuedAtMs: Date.now() }, 4, [
      { meta: meta('t-jane'), image: chip(1) },
      { meta: meta('t-stranger'), image: chip(3) },
    ]),
  );
  const byTrack = Object.fromEntries(events.map(({ e }) => [e.trackId, e]));
  const expected = CohortNormaliser.apply(1, normaliser.stats(Float32Array.from([1, 0, 0])));
  assert.equal(byTrack['t-jane']!.decision, 'match');
  assert.ok(Math.abs(byTrack['t-jane']!.score - expected) < 1e-5, `score ${byTrack['t-jane']!.score}`);
  assert.ok(expected > 1.5 && expected < 2);
  assert.ok(Math.abs(byTrack['t-jane']!.margin - 1) < 1e-6, 'margin: best minus runner-up cosine');
  assert.equal(byTrack['t-stranger']!.decision, 'unknown');
  assert.ok(byTrack['t-stranger']!.score < 0);
});
