import { EventLog } from '../store/event-log.ts';
import { eventLatencyMs, streamIdTimeMs } from './latency.ts';

/** A track the load generator injected, and what became of it. */
export interface TrackRecord {
  readonly step: number;
  readonly faces: number;
  readonly enqueuedAtMs: number;
  /** Stream entry time of its event (first one), once seen. */
  completedAtMs?: number;
  latencyMs?: number;
}

/**
 * Follows the events stream (XRANGE after the last id seen) and matches events to injected tracks:
 * each track's first event completes it. Events of other tracks (other producers) are ignored.
 */
export class EventCollector {
  readonly tracks = new Map<string, TrackRecord>();
  private lastId = '0';
  private completedFaces = 0;
  private foreign = 0;
  private duplicates = 0;

  constructor(private readonly log: EventLog) {}

  expect(trackId: string, record: TrackRecord): void {
    this.tracks.set(trackId, record);
  }

  get facesCompleted(): number {
    return this.completedFaces;
  }

  get stats(): { foreignEvents: number; duplicateEvents: number } {
    return { foreignEvents: this.foreign, duplicateEvents: this.duplicates };
  }

  private polling: Promise<number> = Promise.resolve(0);

  /** Reads everything appended since the last call; returns the number of events read. Serialised. */
  poll(pageSize = 2000): Promise<number> {
    this.polling = this.polling.catch(() => 0).then(() => this.readAll(pageSize));
    return this.polling;
  }

  private async readAll(pageSize: number): Promise<number> {
    let read = 0;
    for (;;) {
      const page = await this.log.readAfter(this.lastId, pageSize);
      for (const { streamId, event } of page) {
        const t = this.tracks.get(event.trackId);
        if (!t) this.foreign++;
        else if (t.completedAtMs !== undefined) this.duplicates++;
        else {
          t.completedAtMs = streamIdTimeMs(streamId);
          t.latencyMs = eventLatencyMs(streamId, event);
          this.completedFaces += t.faces;
        }
      }
      read += page.length;
      if (page.length > 0) this.lastId = page[page.length - 1]!.streamId;
      if (page.length < pageSize) return read;
    }
  }

  /** Faces whose event was written in [fromMs, toMs). */
  facesCompletedBetween(fromMs: number, toMs: number): number {
    let n = 0;
    for (const t of this.tracks.values()) {
      if (t.completedAtMs !== undefined && t.completedAtMs >= fromMs && t.completedAtMs < toMs) n += t.faces;
    }
    return n;
  }

  /** Faces of the tracks of `step` that have an event. */
  facesCompletedOf(step: number): number {
    let n = 0;
    for (const t of this.tracks.values()) if (t.step === step && t.completedAtMs !== undefined) n += t.faces;
    return n;
  }

  /** Tracks of `step` that have no event (yet). */
  missing(step: number): number {
    let n = 0;
    for (const t of this.tracks.values()) if (t.step === step && t.completedAtMs === undefined) n++;
    return n;
  }

  /** Latencies (ms) of the completed tracks of `step` (all steps when undefined). */
  latencies(step?: number): number[] {
    const out: number[] = [];
    for (const t of this.tracks.values()) {
      if (t.latencyMs !== undefined && (step === undefined || t.step === step)) out.push(t.latencyMs);
    }
    return out;
  }
}
