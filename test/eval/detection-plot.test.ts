import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectionPlotSpec, type DetectionPlotResult } from '../../src/eval/detection-plot.ts';
import { renderVegaLiteSvg } from '../../src/util/vega-svg.ts';

const results: DetectionPlotResult[] = [
  { detector: 'a', recall_by_size: { 12: null, 16: 0.9, 32: 1 }, ms_mean: 30, ms_p90: 60, ms_p99: 100 },
  { detector: 'b', recall_by_size: { 12: 0.1, 16: 0.8, 32: 0.95 }, ms_mean: 180, ms_p90: 400, ms_p99: 1100 },
];

interface Panel {
  data?: { values: Record<string, unknown>[] };
  layer?: { data: { values: Record<string, unknown>[] } }[];
}

test('the detection plot carries every scored size per detector and three timings each, with the targets', () => {
  const spec = detectionPlotSpec(results, 't') as unknown as { hconcat: Panel[] };
  const recall = spec.hconcat[0]!.data!.values;
  assert.deepEqual(
    recall.map((v) => `${String(v.detector)}@${String(v.size)}=${String(v.recall)}`),
    ['a@16=0.9', 'a@32=1', 'b@12=0.1', 'b@16=0.8', 'b@32=0.95'],
    'sizes without scored faces are left out, not drawn as 0',
  );
  const [bars, rules] = spec.hconcat[1]!.layer!;
  assert.deepEqual(
    bars!.data.values.filter((v) => v.detector === 'b').map((v) => v.ms),
    [180, 400, 1100],
  );
  assert.deepEqual(
    rules!.data.values.map((v) => v.ms),
    [40, 120],
  );
});

test('the detection plot renders to SVG', async () => {
  const svg = await renderVegaLiteSvg(detectionPlotSpec(results, 'bench:detect test'));
  assert.match(svg, /^<svg/);
  assert.match(svg, /mean target 40 ms/);
});
