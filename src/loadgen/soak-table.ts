import { MIB, SOAK_SERIES, type SoakSeries } from './soak-memory.ts';
import type { SoakSummary } from './soak-report.ts';
import type { StageBreakdown } from './soak-stages.ts';

const BYTE_SERIES: ReadonlySet<SoakSeries> = new Set([
  'tensorBytes',
  'rssBytes',
  'heapUsedBytes',
  'externalBytes',
  'wasmBytes',
]);

function fmt(key: SoakSeries, v: number | null): string {
  if (v === null) return '-';
  return BYTE_SERIES.has(key) ? `${(v / MIB).toFixed(1)} MiB` : v.toFixed(Number.isInteger(v) ? 0 : 1);
}

function align(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  '))
    .join('\n');
}

/** Plain-text tables of the summary: memory per worker and series, then ms per face per stage. */
export function soakTable(s: SoakSummary): string {
  const mem: string[][] = [['worker / series', 'first', 'last', 'max', 'slope/h (2nd half)']];
  for (const w of s.memory) {
    for (const k of SOAK_SERIES) {
      const x = w.series[k];
      if (!x) continue;
      mem.push([
        `${w.worker} ${k}`,
        fmt(k, x.first),
        fmt(k, x.last),
        fmt(k, x.max),
        fmt(k, x.slope_per_hour),
      ]);
    }
  }
  const stages: string[][] = [['ms per face', 'all workers', ...s.stages.workers.map((w) => w.worker)]];
  const cols: (keyof StageBreakdown)[] = [
    'decode_ms',
    'model_ms',
    'match_ms',
    'event_write_ms',
    'unattributed_busy_ms',
    'busy_ms',
    'cpu_ms',
    'embed_wait_ms',
    'job_ms',
  ];
  for (const c of cols)
    stages.push([
      c.replace(/_ms$/, ''),
      s.stages.total ? s.stages.total[c].toFixed(3) : '-',
      ...s.stages.workers.map((w) => w[c].toFixed(3)),
    ]);
  const l = s.latency_ms;
  return [
    `soak ${s.status}: ${s.elapsed_s.toFixed(0)} s, injected ${s.injected_faces} faces (${s.injected_faces_per_second.toFixed(1)}/s), ` +
      `processed ${s.processed_faces}, dropped ${s.dropped}, tracks without event ${s.tracks_without_event}`,
    `latency ms p50 ${l.p50 ?? '-'} p95 ${l.p95 ?? '-'} p99 ${l.p99 ?? '-'} max ${l.max ?? '-'}; ` +
      `max waiting batches ${s.max_waiting_batches}, backlog slope ${s.backlog_slope_batches_per_s.toFixed(3)} batches/s`,
    '',
    `memory (slopes fitted from ${s.fit_from_s.toFixed(0)} s)`,
    align(mem),
    '',
    align(stages),
  ].join('\n');
}
