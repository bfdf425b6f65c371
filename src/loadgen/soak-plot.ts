import type { TopLevelSpec } from 'vega-lite';
import { MIB } from './soak-memory.ts';
import type { SoakReport } from './soak-report.ts';

/** Vega-Lite spec: live tensors over time beside worker memory (RSS, V8 heap, wasm heap, tensors) in MiB. */
export function soakPlotSpec(r: Pick<SoakReport, 'config' | 'samples'>): TopLevelSpec {
  const tensors = r.samples.map((s) => ({ min: s.tMs / 60_000, tensors: s.numTensors, worker: s.worker }));
  const memory = r.samples.flatMap((s) =>
    (
      [
        ['RSS', s.rssBytes],
        ['V8 heap used', s.heapUsedBytes],
        ['wasm heap (high-water)', s.wasmBytes],
        ['tensor bytes', s.tensorBytes],
      ] as const
    )
      .filter(([, v]) => v !== null)
      .map(([series, v]) => ({ min: s.tMs / 60_000, mib: (v ?? 0) / MIB, series, worker: s.worker })),
  );
  const x = {
    field: 'min',
    type: 'quantitative' as const,
    title: 'minutes into the soak',
    scale: { nice: false },
  };
  const c = r.config;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `soak: ${c.model}, ${c.workers} worker(s), ${c.rate_faces_per_second} faces/s, watchlist ${c.watchlist_size}${c.model_note ? ` (${c.model_note})` : ''}`,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    hconcat: [
      {
        title: 'Live tensors (tf.memory().numTensors)',
        width: 320,
        height: 240,
        data: { values: tensors },
        mark: { type: 'line', point: tensors.length < 60 },
        encoding: {
          x,
          y: {
            field: 'tensors',
            type: 'quantitative',
            title: 'tensors',
            scale: { zero: false },
            axis: { format: 'd', tickMinStep: 1 },
          },
          color: { field: 'worker', type: 'nominal' },
        },
      },
      {
        title: 'Worker memory',
        width: 320,
        height: 240,
        data: { values: memory },
        mark: { type: 'line' },
        encoding: {
          x,
          y: { field: 'mib', type: 'quantitative', title: 'MiB' },
          color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 300 } },
          strokeDash: { field: 'worker', type: 'nominal' },
        },
      },
    ],
  };
}
