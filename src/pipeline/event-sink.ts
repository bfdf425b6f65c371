import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IdentityEvent } from '../events/identity-event.ts';

/** Where identity events go: the Redis stream (store/redis-event-sink.ts), a JSONL file, the console — or several. */
export interface EventSink {
  append(event: IdentityEvent, evidencePng?: Buffer): Promise<void>;
}

/**
 * One JSON object per line (the events of embedded runs, `events.jsonl` of workers). Evidence is not
 * written. `replace` starts the file afresh, so it holds one run; otherwise lines are appended.
 */
export class JsonlEventSink implements EventSink {
  private ready: Promise<unknown>;
  private chain: Promise<unknown> = Promise.resolve();
  constructor(
    private readonly path: string,
    options: { readonly replace?: boolean } = {},
  ) {
    const dir = mkdir(dirname(path), { recursive: true });
    this.ready = options.replace ? dir.then(() => writeFile(path, '')) : dir;
    this.ready.catch(() => {}); // reported by the first append
  }
  append(event: IdentityEvent): Promise<void> {
    const line = `${JSON.stringify(event)}\n`;
    // Serialised: concurrent appends of one process must not interleave partial lines.
    const next = this.chain.then(async () => {
      await this.ready;
      await appendFile(this.path, line);
    });
    this.chain = next.catch(() => {});
    return next;
  }
}

/** Human-readable alert lines for operators watching a console. */
export class ConsoleAlertSink implements EventSink {
  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}
  async append(e: IdentityEvent): Promise<void> {
    const time = new Date(e.frameTimeMs).toISOString().slice(11, 23);
    const where =
      e.frameIndex === null
        ? ''
        : ` frame ${e.frameIndex}${e.mediaTimeMs === null ? '' : ` (${(e.mediaTimeMs / 1000).toFixed(1)} s)`}`;
    const who =
      e.decision === 'match'
        ? `MATCH ${e.identityName ?? e.identityId}`
        : e.decision.toUpperCase().replace('_', ' ');
    this.write(
      `[${time}]${where} ${e.camera} ${e.trackId} ${who}${e.kind === 'update' ? ' (update)' : ''} ` +
        `score ${e.score.toFixed(3)} margin ${e.margin.toFixed(3)} face ${Math.round(e.facePx)}px quality ${e.quality.toFixed(2)}`,
    );
  }
}

export class FanoutEventSink implements EventSink {
  constructor(private readonly sinks: readonly EventSink[]) {}
  async append(event: IdentityEvent, evidencePng?: Buffer): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.append(event, evidencePng)));
  }
}
