import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { PipelineMetrics } from '../../src/metrics/pipeline-metrics.ts';
import { backlogSlopePerSecond } from '../../src/loadgen/ramp.ts';
import { renderVegaLiteSvg } from '../../src/util/vega-svg.ts';
import { leastSquaresSlope } from '../../src/loadgen/slope.ts';
import {
  SOAK_SERIES,
  soakSample,
  summarizeSoakMemory,
  type SoakSample,
} from '../../src/loadgen/soak-memory.ts';
import { soakPlotSpec } from '../../src/loadgen/soak-plot.ts';
import type { SoakSummary } from '../../src/loadgen/soak-report.ts';
import { stageBreakdown } from '../../src/loadgen/soak-stages.ts';
import { soakTable } from '../../src/loadgen/soak-table.ts';
import { snapshotSelf } from '../../src/loadgen/worker-stats.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { workerSnapshot } from '../helpers/worker-snapshot.ts';

const HOUR = 3_600_000;
const MIB = 1024 * 1024;

test('least-squares slope: exact on a line, 0 when undetermined, the fit of noisy points', () => {
  const line = [0, 1, 2, 3, 4].map((x) => ({ x, y: 3 * x + 7 }));
  assert.equal(
    leastSquaresSlope(
      line,
      (p) => p.x,
      (p) => p.y,
    ),
    3,
  );
  assert.equal(
    leastSquaresSlope(
      [{ x: 1, y: 5 }],
      (p) => p.x,
      (p) => p.y,
    ),
    0,
  );
  assert.equal(
    leastSquaresSlope(
      [
        { x: 2, y: 1 },
        { x: 2, y: 9 },
      ],
      (p) => p.x,
      (p) => p.y,
    ),
    0,
  );
  // y = 0, 2, 1, 3 over x = 0..3: slope 0.8.
  const noisy = [0, 2, 1, 3].map((y, x) => ({ x, y }));
  assert.ok(
    Math.abs(
      leastSquaresSlope(
        noisy,
        (p) => p.x,
        (p) => p.y,
      ) - 0.8,
    ) < 1e-12,
  );
  // The ramp's backlog slope is the same fit (per second).
  assert.equal(
    backlogSlopePerSecond([0, 1000, 2000].map((tMs, i) => ({ tMs, waiting: 2 * i, active: 0 }))),
    2,
  );
});

/** A 60-minute run sampled every minute: tensors ramp during warm-up then stay flat; RSS leaks 12 MiB/h. */
function samples(worker: string, wasm: boolean): SoakSample[] {
  return Array.from({ length: 61 }, (_, m) => {
    const tMs = m * 60_000;
    return {
      tMs,
      worker,
      numTensors: m < 10 ? 40 + m : 50,
      numDataBuffers: 50,
      tensorBytes: 4 * MIB,
      rssBytes: 200 * MIB + (12 * MIB * tMs) / HOUR,
      heapUsedBytes: 30 * MIB + (m % 2) * MIB,
      externalBytes: MIB,
      wasmBytes: wasm ? 64 * MIB : null,
      facesEmbedded: m * 30_000,
    };
  });
}

test('memory summary: first/last/max per series, slopes per hour over the second half only', () => {
  const all = [...samples('w2', false), ...samples('w1', true)];
  const [w1, w2] = summarizeSoakMemory(all, 30 * 60_000);
  assert.equal(w1!.worker, 'w1');
  assert.equal(w1!.samples, 61);
  assert.equal(w1!.fit_samples, 31);
  const t = w1!.series.numTensors!;
  assert.deepEqual([t.first, t.last, t.max], [40, 50, 50]);
  assert.equal(t.slope_per_hour, 0, 'the warm-up ramp is outside the fit');
  assert.ok(
    Math.abs(w1!.series.rssBytes!.slope_per_hour! - 12 * MIB) < 1,
    'a steady leak shows as its slope',
  );
  assert.equal(w1!.series.rssBytes!.first, 200 * MIB);
  assert.equal(w1!.series.wasmBytes!.max, 64 * MIB);
  assert.equal(w2!.series.wasmBytes, null, 'no wasm heap off the wasm backend');
  // Fewer than two samples in the fit window: no slope rather than a made-up flat one.
  const [short] = summarizeSoakMemory(samples('w1', true).slice(0, 3), 120_000);
  assert.equal(short!.series.numTensors!.slope_per_hour, null);
});

test('stage breakdown: stage seconds between two snapshots in ms per face, summed over workers', () => {
  const stages = { decode: 1, embed: 10, model: 6, match: 2, eventWrite: 3, job: 17 };
  const before = new Map([
    ['w1', workerSnapshot({ workerId: 'w1', facesEmbedded: 1000, loopActiveMs: 5_000, cpuMs: 6_000 })],
    ['w2', workerSnapshot({ workerId: 'w2', facesEmbedded: 0 })],
  ]);
  const after = new Map([
    [
      'w1',
      workerSnapshot({
        workerId: 'w1',
        facesEmbedded: 3000,
        loopActiveMs: 20_000,
        cpuMs: 26_000,
        stageSeconds: stages,
      }),
    ],
    [
      'w2',
      workerSnapshot({
        workerId: 'w2',
        facesEmbedded: 2000,
        loopActiveMs: 10_000,
        cpuMs: 14_000,
        stageSeconds: stages,
      }),
    ],
    ['w3', workerSnapshot({ workerId: 'w3', facesEmbedded: 10 })], // no baseline: left out
  ]);
  const { total, workers } = stageBreakdown(before, after);
  assert.deepEqual(
    workers.map((w) => w.worker),
    ['w1', 'w2'],
  );
  const w1 = workers[0]!;
  assert.equal(w1.faces, 2000);
  assert.equal(w1.decode_ms, 0.5);
  assert.equal(w1.model_ms, 3);
  assert.equal(w1.match_ms, 1);
  assert.equal(w1.event_write_ms, 1.5);
  assert.equal(w1.embed_wait_ms, 5);
  assert.equal(w1.job_ms, 8.5);
  assert.equal(w1.busy_ms, 7.5);
  assert.equal(w1.cpu_ms, 10);
  assert.equal(w1.unattributed_busy_ms, 1.5);
  assert.equal(workers[1]!.unattributed_busy_ms, 0, 'clamped at 0 when stage wall times exceed busy time');
  assert.equal(total!.faces, 4000);
  assert.equal(total!.model_ms, 3);
  assert.equal(total!.busy_ms, 25_000 / 4000);
  assert.equal(stageBreakdown(before, before).total, null, 'no faces, no breakdown');
});

test('a worker snapshot carries numeric memory fields and cumulative stage seconds', async () => {
  await initBackend();
  const metrics = new PipelineMetrics();
  metrics.embedDecodeSeconds.observe(0.25);
  metrics.embedDecodeSeconds.observe(0.5);
  metrics.embedModelSeconds.observe(1.5);
  const kept = tf.zeros([256, 256]);
  try {
    const s = await snapshotSelf('w1', metrics);
    for (const k of SOAK_SERIES) {
      if (k !== 'wasmBytes') assert.ok(Number.isFinite(s[k]) && (s[k] ?? -1) >= 0, k);
    }
    assert.ok(s.numTensors >= 1);
    assert.ok(s.tensorBytes >= 256 * 256 * 4);
    assert.ok(s.rssBytes > s.heapUsedBytes && s.heapUsedBytes > 0);
    assert.equal(s.backend, tf.getBackend());
    if (s.backend === 'wasm') assert.ok(s.wasmBytes !== null && s.wasmBytes >= 256 * 256 * 4);
    else assert.equal(s.wasmBytes, null);
    assert.deepEqual(s.stageSeconds, { decode: 0.75, embed: 0, model: 1.5, match: 0, eventWrite: 0, job: 0 });
    // It survives the trip through Redis (JSON) and becomes a sample.
    const sample = soakSample(JSON.parse(JSON.stringify(s)) as typeof s, s.atMs - 1000);
    assert.equal(sample.tMs, 1000);
    assert.equal(sample.numTensors, s.numTensors);
  } finally {
    kept.dispose();
  }
});

test('the soak plot renders and the table names every reported series and stage', async () => {
  const all = samples('w1', true);
  const config = {
    workers: 1,
    worker_concurrency: 4,
    watchlist_size: 10_000,
    rate_faces_per_second: 500,
    minutes: 60,
    sample_seconds: 60,
    batch_faces: 16,
    crops_per_track: 2,
    crop_size: 32,
    crop_pool: 100,
    model: 'student-untrained',
    model_note: 'untrained weights: speed only',
    redis_prefix: 'bflg-test',
  };
  const svg = await renderVegaLiteSvg(soakPlotSpec({ config, samples: all }));
  assert.match(svg, /^<svg/);
  assert.match(svg, /Live tensors/);
  const stages = stageBreakdown(
    new Map([['w1', workerSnapshot()]]),
    new Map([['w1', workerSnapshot({ facesEmbedded: 100, loopActiveMs: 100 })]]),
  );
  const summary: SoakSummary = {
    status: 'completed',
    elapsed_s: 3600,
    fit_from_s: 1800,
    injected_faces: 1_800_000,
    injected_faces_per_second: 500,
    processed_faces: 1_800_000,
    faces_embedded: 1_800_000,
    dropped: 0,
    tracks_without_event: 0,
    latency_ms: { count: 900_000, p50: 12, p95: 40, p99: 80, max: 300 },
    max_waiting_batches: 3,
    backlog_slope_batches_per_s: 0,
    memory: summarizeSoakMemory(all, 1_800_000),
    stages,
  };
  const table = soakTable(summary);
  for (const s of ['w1 numTensors', 'w1 rssBytes', 'w1 wasmBytes', 'decode', 'model', 'event_write', 'busy'])
    assert.ok(table.includes(s), s);
  assert.match(table, /12\.0 MiB/); // the RSS slope per hour
});
