export { batchesDue, batchesToSend, dueAtMs } from './pacing.ts';
export { eventLatencyMs, streamIdTimeMs, summarizeLatencies, type LatencySummary } from './latency.ts';
export {
  backlogSlopePerSecond,
  DEFAULT_KEEP_UP,
  judgeStep,
  rampRates,
  sustainedRate,
  type DepthSample,
  type KeepUpCriterion,
  type RampOptions,
  type StepObservation,
  type StepVerdict,
} from './ramp.ts';
export { BatchFactory, type BatchFactoryOptions, type InjectedBatch } from './batch-factory.ts';
export { loadCropPool, type PoolCrop, type CropPoolOptions } from './crop-pool.ts';
export { EventCollector, type TrackRecord } from './event-collector.ts';
export { LoadgenHarness, type HarnessOptions, type PacedInjection } from './harness.ts';
export { resolveLoadgenModel, UNTRAINED_NOTE, type LoadgenModel } from './loadgen-model.ts';
export { enrolSyntheticWatchlist, randomUnitVector } from './synthetic-watchlist.ts';
export { WorkerPool, type WorkerPoolOptions } from './worker-pool.ts';
export {
  memorySelf,
  utilisationBetween,
  utilisations,
  wasmHeapBytes,
  workerStatsKey,
  type WorkerSnapshot,
  type WorkerUtilisation,
} from './worker-stats.ts';
export { loadgenPlotSpec, renderLoadgenPlot, type LoadgenReport, type StepReport } from './report.ts';
export { leastSquaresSlope } from './slope.ts';
export {
  SOAK_SERIES,
  seriesSummary,
  soakSample,
  summarizeSoakMemory,
  type SeriesSummary,
  type SoakSample,
  type SoakSeries,
  type WorkerMemorySummary,
} from './soak-memory.ts';
export { stageBreakdown, type StageBreakdown } from './soak-stages.ts';
export type { SoakReport, SoakSummary } from './soak-report.ts';
export { soakPlotSpec } from './soak-plot.ts';
export { soakTable } from './soak-table.ts';
export { runLoadgen, type LoadgenOptions } from './run-loadgen.ts';
