import { log } from '../util/log.ts';
import type { BatchProcessor, BatchSink, BacklogPolicy } from './embed-queue.ts';
import type { FaceBatch } from './face-batch.ts';

/**
 * In-process stand-in for the BullMQ embed queue (embedded mode: one process, no Redis). Same
 * contract: bounded backlog with an explicit, counted drop policy; batches processed one at a time.
 */
export class MemoryBatchQueue implements BatchSink {
  private readonly waiting: FaceBatch[] = [];
  private busy = false;
  private idleWaiters: (() => void)[] = [];
  droppedFaces = 0;
  processed = 0;

  constructor(
    private readonly process: BatchProcessor,
    private readonly maxBacklog = 200,
    private readonly policy: BacklogPolicy = 'drop-oldest',
  ) {}

  async backlog(): Promise<number> {
    return this.waiting.length;
  }

  async submit(batch: FaceBatch): Promise<boolean> {
    if (this.waiting.length >= this.maxBacklog) {
      const dropped = this.policy === 'drop-newest' ? batch : this.waiting.shift()!;
      this.droppedFaces += dropped.crops.length;
      log.warn(
        { faces: dropped.crops.length, policy: this.policy, total: this.droppedFaces },
        'embed backlog full: faces dropped',
      );
      if (this.policy === 'drop-newest') return false;
    }
    this.waiting.push(batch);
    void this.pump();
    return true;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.shift()!;
      try {
        await this.process(batch);
        this.processed++;
      } catch (err) {
        log.error(
          { batch: batch.batchId, err: err instanceof Error ? err.message : String(err) },
          'batch failed',
        );
      }
    }
    this.busy = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when every submitted batch has been processed. */
  drain(): Promise<void> {
    if (!this.busy && this.waiting.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    await this.drain();
  }
}
