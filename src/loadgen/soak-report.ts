import type { LatencySummary } from './latency.ts';
import type { SoakSample, WorkerMemorySummary } from './soak-memory.ts';
import type { stageBreakdown } from './soak-stages.ts';

/** The soak benchmark's report: what ran where, the summary and the raw samples (bench/soak.ts writes it). */

export interface SoakConfig {
  readonly workers: number;
  readonly worker_concurrency: number;
  readonly watchlist_size: number;
  readonly rate_faces_per_second: number;
  readonly minutes: number;
  readonly sample_seconds: number;
  readonly batch_faces: number;
  readonly crops_per_track: number;
  readonly crop_size: number;
  readonly crop_pool: number;
  readonly model: string;
  /** Non-null when the weights are untrained (speed and memory only). */
  readonly model_note: string | null;
  readonly redis_prefix: string;
}

export interface SoakMachine {
  readonly cpu_model: string;
  readonly cores: number;
  readonly total_memory_bytes: number;
  readonly node: string;
  /** The workers' tfjs backend (from their snapshots). */
  readonly backend: string | null;
  readonly loadavg_1m_start: number;
  readonly loadavg_1m_end: number;
}

export interface SoakSummary {
  /**
   * `running` in the JSON rewritten while the soak runs; `interrupted` after SIGINT / SIGTERM;
   * `failed` when the run stopped on an error (e.g. a worker exited).
   */
  readonly status: 'running' | 'completed' | 'interrupted' | 'failed';
  /** Length of the soak phase so far (after warm-up), s. */
  readonly elapsed_s: number;
  /** Slopes are fitted over samples at or after this time (the second half of the soak). */
  readonly fit_from_s: number;
  readonly injected_faces: number;
  readonly injected_faces_per_second: number;
  /** Faces of soak tracks that got an event. */
  readonly processed_faces: number;
  /** Faces embedded by the workers during the soak (their counters). */
  readonly faces_embedded: number;
  /** Faces dropped by the backlog policy during the soak. */
  readonly dropped: number;
  /** Soak tracks without an event (yet). */
  readonly tracks_without_event: number;
  readonly latency_ms: LatencySummary;
  readonly max_waiting_batches: number;
  readonly backlog_slope_batches_per_s: number;
  readonly memory: readonly WorkerMemorySummary[];
  readonly stages: ReturnType<typeof stageBreakdown>;
}

export interface SoakReport {
  readonly config: SoakConfig;
  readonly machine: SoakMachine;
  /** ISO time the soak phase started. */
  readonly date: string;
  readonly summary: SoakSummary;
  readonly samples: readonly SoakSample[];
  /** Embed-queue depth at each sample time. */
  readonly queue: readonly { tMs: number; waiting: number; active: number }[];
}
