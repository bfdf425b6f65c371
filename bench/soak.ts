/**
 * Soak benchmark of the embed workers: does their memory stay flat over hours, and where does the
 * time per face go?
 *
 * A LoadgenHarness (the same path as bench:scale: synthetic watchlist in Redis, embed worker
 * processes running the production embed role, real demo-clip crops through the BullMQ embed queue,
 * events read back from the stream) injects a constant open-loop rate for the whole run. Every
 * `--sample-seconds` each worker's snapshot (tf.memory(), process.memoryUsage(), wasm heap size,
 * cumulative stage seconds) is recorded. The summary gives first / last / max of each series, the
 * least-squares slope per hour over the second half of the run (after warm-up), faces, drops,
 * latency, and mean ms per face per handler stage.
 *
 *   node --import tsx bench/soak.ts [--minutes 60] [--rate 500] [--workers 1] [--watchlist 10000]
 *        [--sample-seconds 10] [--json out.json] [--plot out.svg] [--model student]
 *
 * SIGINT / SIGTERM stop the injection, write the JSON and plot with what was measured (status
 * `interrupted`) and delete the run's Redis prefix; a second signal exits at once (the JSON is also
 * rewritten at least every minute while the soak runs).
 */
import { rename, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { Command } from 'commander';
import { positiveInt, positiveNumber } from '../src/cli/options.ts';
import { stageProgress } from '../src/cli/progress.ts';
import { LoadgenHarness } from '../src/loadgen/harness.ts';
import { summarizeLatencies } from '../src/loadgen/latency.ts';
import { backlogSlopePerSecond } from '../src/loadgen/ramp.ts';
import { renderVegaLiteSvg } from '../src/util/vega-svg.ts';
import { soakSample, summarizeSoakMemory, type SoakSample } from '../src/loadgen/soak-memory.ts';
import { soakPlotSpec } from '../src/loadgen/soak-plot.ts';
import type { SoakReport, SoakSummary } from '../src/loadgen/soak-report.ts';
import { stageBreakdown } from '../src/loadgen/soak-stages.ts';
import { soakTable } from '../src/loadgen/soak-table.ts';
import type { WorkerSnapshot } from '../src/loadgen/worker-stats.ts';

const o = new Command('bench-soak')
  .option('--json <file>', 'write the report as JSON (also rewritten every minute while running)')
  .option('--plot <file>', 'write tensors and memory over time as SVG')
  .option('--model <spec>', 'embedder: student (untrained fallback), teacher or a model dir', 'student')
  .option('--workers <n>', 'embed worker processes', positiveInt('--workers'), 1)
  .option('--concurrency <n>', 'jobs per worker at once (embed.concurrency)', positiveInt('--concurrency'), 4)
  .option('--watchlist <n>', 'synthetic identities enrolled', positiveInt('--watchlist'), 10_000)
  .option('--rate <r>', 'injected faces per second (constant, open loop)', positiveNumber('--rate'), 500)
  .option('--minutes <m>', 'length of the soak after warm-up', positiveNumber('--minutes'), 60)
  .option('--sample-seconds <s>', 'seconds between memory samples', positiveNumber('--sample-seconds'), 10)
  .option(
    '--drain-seconds <s>',
    'longest wait for the backlog to drain at the end',
    positiveNumber('--drain-seconds'),
    120,
  )
  .parse()
  .opts<{
    json?: string;
    plot?: string;
    model: string;
    workers: number;
    concurrency: number;
    watchlist: number;
    rate: number;
    minutes: number;
    sampleSeconds: number;
    drainSeconds: number;
  }>();

const abort = new AbortController();
let signals = 0;
const onSignal = (sig: string): void => {
  if (++signals > 1) {
    process.stderr.write(`\n${sig} again: exiting now (the JSON is as of its last rewrite)\n`);
    process.exit(130);
  }
  process.stderr.write(`\n${sig}: stopping the soak; writing what was measured and cleaning up\n`);
  abort.abort();
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const loadStart = loadavg()[0]!;
const h = await LoadgenHarness.open({
  model: o.model,
  workers: o.workers,
  workerConcurrency: o.concurrency,
  watchlistSize: o.watchlist,
  onProgress: (l) => console.error(l),
});

const samples: SoakSample[] = [];
const queue: { tMs: number; waiting: number; active: number }[] = [];
const lastAt = new Map<string, number>();
let baseline = new Map<string, WorkerSnapshot>();
let latest = new Map<string, WorkerSnapshot>();
let phaseStart = Date.now();
let dropsBefore = 0;
/** Faces injected before the soak phase (warm-up); null until the phase starts. */
let injectedBefore: number | null = null;
let date = new Date().toISOString();

/** Reads every worker's snapshot (and the queue depth) and records the new ones. */
async function sample(): Promise<void> {
  latest = await h.snapshots();
  for (const s of latest.values()) {
    if (s.atMs === lastAt.get(s.workerId)) continue; // not republished since the last sample
    lastAt.set(s.workerId, s.atMs);
    samples.push(soakSample(s, phaseStart));
  }
  const c = await h.queue.getJobCounts('wait', 'prioritized', 'active').catch(() => undefined);
  if (c)
    queue.push({
      tMs: Date.now() - phaseStart,
      waiting: (c.wait ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
    });
}

async function report(status: SoakSummary['status'], withLatency: boolean): Promise<SoakReport> {
  const elapsedMs = Math.max(0, (latest.values().next().value?.atMs ?? Date.now()) - phaseStart);
  const fitFromMs = elapsedMs / 2;
  const depth = h.depth.filter((d) => d.step === 0);
  const faces = [...latest.values()].reduce(
    (s, w) => s + w.facesEmbedded - (baseline.get(w.workerId)?.facesEmbedded ?? w.facesEmbedded),
    0,
  );
  const m = h.model;
  const injected = injectedBefore === null ? 0 : h.injectedFaces - injectedBefore;
  return {
    config: {
      workers: h.workers,
      worker_concurrency: h.workerConcurrency,
      watchlist_size: h.watchlistSize,
      rate_faces_per_second: o.rate,
      minutes: o.minutes,
      sample_seconds: o.sampleSeconds,
      batch_faces: h.batchFaces,
      crops_per_track: h.cropsPerTrack,
      crop_size: h.cropSize,
      crop_pool: h.pool.length,
      model: m.name,
      model_note: m.note,
      redis_prefix: h.prefix,
    },
    machine: {
      cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      total_memory_bytes: totalmem(),
      node: process.version,
      backend: [...latest.values()][0]?.backend ?? null,
      loadavg_1m_start: loadStart,
      loadavg_1m_end: loadavg()[0]!,
    },
    date,
    summary: {
      status,
      elapsed_s: elapsedMs / 1000,
      fit_from_s: fitFromMs / 1000,
      injected_faces: injected,
      injected_faces_per_second: elapsedMs > 0 ? (injected * 1000) / elapsedMs : 0,
      processed_faces: h.collector.facesCompletedOf(0),
      faces_embedded: faces,
      dropped: (await h.dropped().catch(() => dropsBefore)) - dropsBefore,
      tracks_without_event: h.collector.missing(0),
      latency_ms: withLatency
        ? summarizeLatencies(h.collector.latencies(0))
        : { count: 0, p50: null, p95: null, p99: null, max: null },
      max_waiting_batches: depth.reduce((mx, d) => Math.max(mx, d.waiting), 0),
      backlog_slope_batches_per_s: backlogSlopePerSecond(depth),
      memory: summarizeSoakMemory(samples, fitFromMs),
      stages: stageBreakdown(baseline, latest),
    },
    samples,
    queue,
  };
}

async function writeJson(r: SoakReport): Promise<void> {
  if (!o.json) return;
  await writeFile(`${o.json}.tmp`, `${JSON.stringify(r, null, 1)}\n`);
  await rename(`${o.json}.tmp`, o.json);
}

let status: SoakSummary['status'] = 'completed';
let final: SoakReport | undefined;
try {
  await h.enrol();
  if (!abort.signal.aborted) await h.startWorkers();
  h.startBackground(1000);
  if (!abort.signal.aborted) await h.warmUp(abort.signal);

  // The soak: a constant rate for `minutes`, sampling every `sample-seconds` alongside.
  phaseStart = Date.now();
  date = new Date(phaseStart).toISOString();
  h.step = 0;
  dropsBefore = await h.dropped();
  injectedBefore = h.injectedFaces;
  baseline = await h.snapshots();
  await sample();
  const totalMs = o.minutes * 60_000;
  const progress = stageProgress();
  const tty = process.stderr.isTTY === true;
  let injecting = true;
  let wake: () => void = () => {};
  const sampler = (async () => {
    let lastWrite = Date.now();
    let lastLine = Date.now();
    while (injecting) {
      await Promise.race([sleep(o.sampleSeconds * 1000), new Promise<void>((r) => (wake = r))]);
      if (!injecting) break;
      await sample().catch(() => undefined);
      const elapsedS = Math.round((Date.now() - phaseStart) / 1000);
      if (tty) progress.update('soak', Math.min(elapsedS, totalMs / 1000), totalMs / 1000);
      else if (Date.now() - lastLine >= 60_000) {
        lastLine = Date.now();
        const w = [...latest.values()]
          .map((s) => `${s.workerId} tensors ${s.numTensors} rss ${(s.rssBytes / 2 ** 20).toFixed(0)} MiB`)
          .join(', ');
        console.error(`soak ${elapsedS}/${totalMs / 1000} s: injected ${h.injectedFaces} faces; ${w}`);
      }
      if (Date.now() - lastWrite >= Math.max(60_000, o.sampleSeconds * 1000)) {
        lastWrite = Date.now();
        await writeJson(await report('running', false)).catch(() => undefined);
      }
    }
  })();
  try {
    await h.injectAt(o.rate, totalMs, 0, abort.signal);
  } finally {
    injecting = false;
    wake();
    await sampler;
    progress.stop();
  }
  if (!abort.signal.aborted) {
    console.error(`soak done; draining the backlog (at most ${o.drainSeconds} s)`);
    await h.drain(o.drainSeconds, abort.signal);
  }
} catch (err) {
  // Interrupted: workers that got the terminal's SIGINT too may have exited under us; not an error.
  if (!abort.signal.aborted) {
    status = 'failed';
    throw err;
  }
} finally {
  if (abort.signal.aborted) status = 'interrupted';
  try {
    await h.collector.poll().catch(() => 0);
    // After a terminal's Ctrl-C the workers (same process group) shut down too, and their last
    // snapshot is taken after the model is disposed: keep their counters, not that memory sample.
    if (abort.signal.aborted) latest = await h.snapshots().catch(() => latest);
    else await sample().catch(() => undefined);
    await h.stopBackground();
    final = await report(status, true);
    await writeJson(final);
    if (o.plot) await writeFile(o.plot, await renderVegaLiteSvg(soakPlotSpec(final)));
  } finally {
    await h.close();
  }
}
if (final) {
  console.log(soakTable(final.summary));
  if (o.json) console.log(`written ${o.json}`);
  if (o.plot) console.log(`written ${o.plot}`);
}
process.exit(status === 'interrupted' ? 130 : 0);
