import { renderVegaLiteSvg } from '../util/vega-svg.ts';
import type { TopLevelSpec } from 'vega-lite';
import type { RocPoint } from './verification-metrics.ts';
import type { EvalMeta } from './report.ts';
import type { ResolutionResult } from './run-eval.ts';

/** Most ROC points kept per curve: enough for a smooth line, small enough for a light SVG. */
const MAX_ROC_POINTS = 250;

/** Keeps first/last and evenly spaced points; ROC curves are monotone, so the shape survives. */
function thin(points: readonly RocPoint[]): readonly RocPoint[] {
  if (points.length <= MAX_ROC_POINTS) return points;
  const step = (points.length - 1) / (MAX_ROC_POINTS - 1);
  return Array.from({ length: MAX_ROC_POINTS }, (_, i) => points[Math.round(i * step)]);
}

/**
 * Vega-Lite spec: accuracy vs resolution (one line per mode) beside ROC curves (one per resolution,
 * one panel per mode). Exported for tests and for embedding in other reports.
 */
export function evalPlotSpec(meta: EvalMeta, results: readonly ResolutionResult[]): TopLevelSpec {
  const resOrder = [...new Set(results.map((r) => String(r.res)))];
  const accuracy = results.map((r) => ({ res: String(r.res), mode: r.mode, accuracy: r.accuracy }));
  const roc = results.flatMap((r) =>
    thin(r.roc).map((p) => ({ res: String(r.res), mode: r.mode, fpr: p.fpr, tpr: p.tpr })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${meta.model} on ${meta.dataset}${meta.split ? `/${meta.split}` : ''}`,
    // Color means mode on the left and resolution on the right: two legends, not one merged scale.
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    hconcat: [
      {
        title: 'Verification accuracy (10-fold CV)',
        width: 300,
        height: 260,
        data: { values: accuracy },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'res', type: 'ordinal', sort: resOrder, title: 'resolution (px)' },
          y: {
            field: 'accuracy',
            type: 'quantitative',
            scale: { zero: false, domainMax: 1 },
            title: 'accuracy',
          },
          color: { field: 'mode', type: 'nominal', sort: ['lr-lr', 'hr-lr'] },
        },
      },
      {
        data: { values: roc },
        facet: { column: { field: 'mode', type: 'nominal', title: 'ROC', sort: ['lr-lr', 'hr-lr'] } },
        spec: {
          width: 260,
          height: 260,
          mark: { type: 'line', interpolate: 'step-after' },
          encoding: {
            x: { field: 'fpr', type: 'quantitative', title: 'false accept rate' },
            y: { field: 'tpr', type: 'quantitative', title: 'true accept rate' },
            color: {
              field: 'res',
              type: 'ordinal',
              sort: resOrder,
              title: 'resolution',
              scale: { scheme: 'tableau10' },
            },
            order: { field: 'fpr', type: 'quantitative' },
          },
        },
      },
    ],
  };
}

/** Renders the evaluation plot as a standalone SVG string (headless: no canvas needed). */
export async function renderEvalPlot(meta: EvalMeta, results: readonly ResolutionResult[]): Promise<string> {
  return renderVegaLiteSvg(evalPlotSpec(meta, results));
}
