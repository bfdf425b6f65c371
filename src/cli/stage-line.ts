/**
 * One progress line per stage of a long command, on stderr so stdout keeps the command's output. On a
 * terminal the line is redrawn in place while the stage runs (`update`) and left with its result when
 * it ends; elsewhere (CI logs, pipes) only the finished line is written, once.
 */
export interface StageLine {
  /** Begins a stage, ending the previous one if it is still open. */
  start(stage: string): void;
  /** Live detail of the running stage (drawn on terminals only). */
  update(detail: string): void;
  /** Ends the running stage with its result. */
  done(detail?: string): void;
}

export interface StageLineStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export function stageLine(
  stream: StageLineStream = process.stderr,
  now: () => number = () => performance.now(),
): StageLine {
  let stage: string | undefined;
  let startedAt = 0;
  const tty = stream.isTTY === true;
  const draw = (text: string): void => void stream.write(`\r\x1b[K${text}`);
  const line = {
    start(next: string) {
      if (stage !== undefined) line.done();
      stage = next;
      startedAt = now();
      if (tty) draw(`${next}…`);
    },
    update(detail: string) {
      if (stage !== undefined && tty) draw(`${stage}… ${detail}`);
    },
    done(detail?: string) {
      if (stage === undefined) return;
      const seconds = ((now() - startedAt) / 1000).toFixed(1);
      const text = `${stage}: ${detail ? `${detail}, ` : ''}${seconds} s\n`;
      if (tty) draw(text);
      else stream.write(text);
      stage = undefined;
    },
  };
  return line;
}
