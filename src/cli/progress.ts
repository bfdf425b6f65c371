import { Presets, SingleBar } from 'cli-progress';

export interface StageProgress {
  update(stage: string, done: number, total: number): void;
  stop(): void;
}

/**
 * One progress bar on stderr, restarted for each named stage (align → embed → …), so stdout stays
 * clean for tables and JSON. cli-progress draws nothing when stderr is not a terminal (CI logs).
 */
export function stageProgress(): StageProgress {
  const bar = new SingleBar(
    {
      format: '{stage} [{bar}] {value}/{total} | {eta_formatted} left',
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let stage: string | null = null;
  return {
    update(next, done, total) {
      if (next !== stage) {
        if (stage !== null) bar.stop();
        stage = next;
        bar.start(total, 0, { stage: next.padEnd(5) });
      }
      bar.update(done);
    },
    stop() {
      if (stage !== null) bar.stop();
      stage = null;
    },
  };
}
