import type { TopLevelSpec } from 'vega-lite';

/** What the detection plot reads from each of bench:detect's results. */
export interface DetectionPlotResult {
  readonly detector: string;
  /** Recall per face size (px) in 0..1; null where no face of that size was scored. */
  readonly recall_by_size: Readonly<Record<number, number | null>>;
  readonly ms_mean: number;
  readonly ms_p90: number;
  readonly ms_p99: number;
}

/** Issue 13's per-frame budget on one core (ms): mean and p99. */
const TARGETS = [
  { ms: 40, label: 'mean target 40 ms' },
  { ms: 120, label: 'p99 target 120 ms' },
];

/**
 * Vega-Lite spec of a bench:detect run: recall by face size per detector (left) beside the time per
 * 768x576 frame, mean / p90 / p99, against issue 13's targets (right).
 */
export function detectionPlotSpec(results: readonly DetectionPlotResult[], title: string): TopLevelSpec {
  const recall = results.flatMap((r) =>
    Object.entries(r.recall_by_size)
      .filter((e): e is [string, number] => e[1] !== null)
      .map(([size, v]) => ({ detector: r.detector, size: Number(size), recall: v })),
  );
  const timing = results.flatMap((r) =>
    (
      [
        ['mean', r.ms_mean],
        ['p90', r.ms_p90],
        ['p99', r.ms_p99],
      ] as const
    ).map(([stat, ms]) => ({ detector: r.detector, stat, ms })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    hconcat: [
      {
        title: 'Recall by face size (composited LFW DevTest faces in CCTV frames)',
        width: 320,
        height: 240,
        data: { values: recall },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'size', type: 'quantitative', title: 'face side (px)', scale: { type: 'log' } },
          y: {
            field: 'recall',
            type: 'quantitative',
            title: 'recall',
            axis: { format: '%' },
            scale: { domain: [0, 1] },
          },
          color: { field: 'detector', type: 'nominal' },
        },
      },
      {
        title: 'Time per 768x576 frame, one core',
        width: 320,
        height: 240,
        layer: [
          {
            data: { values: timing },
            mark: { type: 'bar' },
            encoding: {
              x: { field: 'detector', type: 'nominal', title: null },
              xOffset: { field: 'stat', type: 'nominal' },
              y: { field: 'ms', type: 'quantitative', title: 'ms per frame' },
              color: { field: 'stat', type: 'nominal', title: 'per frame' },
            },
          },
          {
            data: { values: TARGETS },
            mark: { type: 'rule', strokeDash: [4, 4], color: 'black' },
            encoding: { y: { field: 'ms', type: 'quantitative' } },
          },
          {
            data: { values: TARGETS },
            mark: { type: 'text', align: 'right', dx: -4, dy: -6, x: 'width' },
            encoding: { y: { field: 'ms', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      },
    ],
  };
}
