import { writeFile } from 'node:fs/promises';
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLiteSvg } from '../util/vega-svg.ts';

/** One epoch's record: mean training losses, validation metrics, learning rate and elapsed time. */
export interface EpochRecord {
  /** Which stage produced it (`adapter` or `student`). */
  readonly stage: string;
  /** 1-based epoch within the stage. */
  readonly epoch: number;
  /** Global optimizer step at the end of the epoch. */
  readonly step: number;
  readonly learningRate: number;
  /** Mean of each loss term over the epoch's steps (`total` included). */
  readonly loss: Readonly<Record<string, number>>;
  /** Validation metrics (e.g. `lr12`, `lr16` verification accuracy). */
  readonly validation: Readonly<Record<string, number>>;
  /** Wall-clock seconds of training in this stage so far (excluding time before a resume). */
  readonly elapsedS: number;
}

export interface TrainingHistory {
  readonly epochs: EpochRecord[];
}

export async function writeHistory(path: string, history: TrainingHistory): Promise<void> {
  await writeFile(path, `${JSON.stringify(history, null, 2)}\n`);
}

/**
 * Renders loss curves (left) and validation curves (right), one line per term/metric, faceted by stage,
 * as a standalone SVG (vega's headless SVG renderer: no canvas or browser needed).
 */
export async function renderHistorySvg(history: TrainingHistory): Promise<string> {
  const losses = history.epochs.flatMap((r) =>
    Object.entries(r.loss).map(([term, value]) => ({ stage: r.stage, epoch: r.epoch, term, value })),
  );
  const validation = history.epochs.flatMap((r) =>
    Object.entries(r.validation).map(([metric, value]) => ({
      stage: r.stage,
      epoch: r.epoch,
      metric,
      value,
    })),
  );
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'BridgeFace bridge distillation',
    hconcat: [
      {
        title: 'training loss (epoch mean)',
        data: { values: losses },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative', title: 'loss' },
          color: { field: 'term', type: 'nominal' },
          strokeDash: { field: 'stage', type: 'nominal' },
        },
        width: 320,
        height: 220,
      },
      {
        title: 'validation (held-out identities)',
        data: { values: validation },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative', title: 'verification accuracy', scale: { zero: false } },
          color: { field: 'metric', type: 'nominal' },
          strokeDash: { field: 'stage', type: 'nominal' },
        },
        width: 320,
        height: 220,
      },
    ],
  };
  return renderVegaLiteSvg(spec);
}

export async function writeHistorySvg(path: string, history: TrainingHistory): Promise<void> {
  await writeFile(path, await renderHistorySvg(history));
}
