/**
 * Draws what bench/gpu/embed_torch.py measured: faces/s by batch size for each model and precision, log
 * scales, crops already on the GPU. One glance shows where each model saturates the card and how far the
 * student stays ahead of the teacher.
 *   npm run bench:gpu:plot -- <gpu-embed.json> --out docs/gpu-embed.svg
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLiteSvg } from '../../src/util/vega-svg.ts';

interface GpuRow {
  model: string;
  dtype: string;
  batch: number;
  compiled?: boolean;
  faces_per_second_on_device?: number;
}

interface GpuReport {
  date: string;
  device: string;
  torch: string;
  results: GpuRow[];
}

const cli = new Command('bench:gpu:plot')
  .argument('<json>', 'the --json file embed_torch.py wrote')
  .requiredOption('--out <svg>', 'SVG to write')
  .parse();
const [file] = cli.args as [string];
const { out } = cli.opts<{ out: string }>();

let report: GpuReport;
try {
  report = JSON.parse(readFileSync(file, 'utf8')) as GpuReport;
} catch (err) {
  console.error(`bench:gpu:plot: cannot read ${file}: ${(err as Error).message}`);
  process.exit(2);
}
const points = report.results
  .filter((r) => r.faces_per_second_on_device !== undefined)
  .map((r) => ({
    model: r.model,
    precision: r.compiled ? `${r.dtype}, compiled` : r.dtype,
    batch: r.batch,
    faces: r.faces_per_second_on_device!,
  }));
if (points.length === 0) {
  console.error(`bench:gpu:plot: ${file} holds no timed results`);
  process.exit(2);
}

const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  title: {
    text: `Embedding throughput on ${report.device} (PyTorch ${report.torch}), ${report.date.slice(0, 10)}`,
    subtitle: 'crops already on the GPU; compiled runs at the largest batch only',
  },
  width: 520,
  height: 320,
  data: { values: points },
  mark: { type: 'line', point: true },
  encoding: {
    x: { field: 'batch', type: 'quantitative', scale: { type: 'log' }, title: 'faces per call' },
    y: { field: 'faces', type: 'quantitative', scale: { type: 'log' }, title: 'faces/s' },
    color: { field: 'model', type: 'nominal' },
    strokeDash: { field: 'precision', type: 'nominal' },
    shape: { field: 'precision', type: 'nominal' },
    tooltip: [{ field: 'model' }, { field: 'precision' }, { field: 'batch' }, { field: 'faces' }],
  },
};
writeFileSync(out, await renderVegaLiteSvg(spec));
console.log(`wrote ${out} (${points.length} points)`);
