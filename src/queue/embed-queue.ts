import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { CONFIG_DEFAULTS } from '../config/defaults.ts';
import { withDefaults, type OptionsInput } from '../util/with-defaults.ts';
import { duplicateClient, type RedisClient } from '../store/redis-connection.ts';
import { log } from '../util/log.ts';
import type { RedisKeys } from '../store/redis-keys.ts';
import { FaceBatchError, type FaceBatch } from './face-batch.ts';

export const EMBED_QUEUE = 'embed';

/** What happens when embed workers fall behind and the backlog reaches `maxBacklog`. */
export type BacklogPolicy = 'drop-oldest' | 'drop-newest';

export interface EmbedQueueOptions {
  /** Waiting batches at which the policy applies. @defaultValue 200 */
  readonly maxBacklog: number;
  /** @defaultValue 'drop-oldest' (fresh faces matter more than stale ones for live alerts) */
  readonly policy: BacklogPolicy;
  /** Attempts per batch (a worker crash mid-batch retries it). @defaultValue 3 */
  readonly attempts: number;
}

/** The config's `queue` defaults (src/config/schema.ts). */
export const DEFAULT_EMBED_QUEUE_OPTIONS: EmbedQueueOptions = Object.freeze({
  maxBacklog: CONFIG_DEFAULTS.queue.maxBacklog,
  policy: CONFIG_DEFAULTS.queue.policy,
  attempts: CONFIG_DEFAULTS.queue.attempts,
});

export type BatchProcessor = (batch: FaceBatch) => Promise<void>;

/** The producer side used by camera workers: in-memory or BullMQ. */
export interface BatchSink {
  /** Enqueues a batch; false when the policy dropped it (counted in `dropped`). */
  submit(batch: FaceBatch): Promise<boolean>;
  backlog(): Promise<number>;
  /** Faces dropped by the backlog policy (this process). */
  readonly droppedFaces: number;
  close(): Promise<void>;
}

/** Key of the shared counter of dropped faces (all producers). */
export function dropCounterKey(keys: RedisKeys): string {
  return `${keys.queuePrefix()}:dropped-faces`;
}

/**
 * BullMQ producer with a bounded backlog. Every drop is counted locally and in Redis
 * (`{prefix:q}:dropped-faces`) and logged, never silent.
 */
export class BullBatchSink implements BatchSink {
  private readonly queue: Queue<FaceBatch>;
  private readonly options: EmbedQueueOptions;
  droppedFaces = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    options: OptionsInput<EmbedQueueOptions> = {},
  ) {
    this.options = withDefaults(DEFAULT_EMBED_QUEUE_OPTIONS, options);
    this.queue = new Queue<FaceBatch>(EMBED_QUEUE, { connection: redis, prefix: keys.queuePrefix() });
  }

  backlog(): Promise<number> {
    return this.queue.getWaitingCount();
  }

  async submit(batch: FaceBatch): Promise<boolean> {
    const waiting = await this.backlog();
    if (waiting >= this.options.maxBacklog) {
      if (this.options.policy === 'drop-newest') {
        await this.countDrop(batch.crops.length, 'drop-newest');
        return false;
      }
      // drop-oldest: remove the oldest waiting batches to make room; a job a worker took meanwhile
      // cannot be removed (it is locked) and is simply not counted.
      const excess = waiting - this.options.maxBacklog + 1;
      const oldest = await this.queue.getJobs(['wait'], -excess, -1, false);
      for (const job of oldest) {
        try {
          await job.remove();
          await this.countDrop(job.data.crops.length, 'drop-oldest');
        } catch {
          // taken by a worker between listing and removal: it will be processed
        }
      }
    }
    await this.queue.add('batch', batch, {
      attempts: this.options.attempts,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    });
    return true;
  }

  private async countDrop(faces: number, policy: BacklogPolicy): Promise<void> {
    this.droppedFaces += faces;
    await this.redis.incrby(dropCounterKey(this.keys), faces);
    log.warn({ faces, policy, total: this.droppedFaces }, 'embed backlog full: faces dropped');
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export interface EmbedWorkerOptions {
  /** Jobs processed concurrently; >1 lets the dynamic batcher merge them. @defaultValue 4 */
  readonly concurrency: number;
  /** A job whose worker stops renewing its lock for this long is stalled and re-queued. @defaultValue 30000 */
  readonly lockDurationMs: number;
}

/**
 * BullMQ consumer: runs `process` for each batch. Corrupt payloads fail without retry
 * (UnrecoverableError); other errors retry with backoff; a killed worker's jobs are recovered by
 * the stalled-job check of the surviving workers.
 */
export interface BatchWorker {
  readonly worker: Worker<FaceBatch>;
  /** Stops taking jobs; `force` abandons running ones (they are recovered as stalled). Idempotent. */
  close(force?: boolean): Promise<void>;
}

export function startBatchWorker(
  redis: RedisClient,
  keys: RedisKeys,
  process: BatchProcessor,
  options: Partial<EmbedWorkerOptions> = {},
): BatchWorker {
  const o = { concurrency: 4, lockDurationMs: 30_000, ...options };
  // Workers block on Redis; BullMQ needs a connection of their own that never gives up retrying.
  const connection = duplicateClient(redis, { maxRetriesPerRequest: null });
  const worker = new Worker<FaceBatch>(
    EMBED_QUEUE,
    async (job: Job<FaceBatch>) => {
      try {
        await process(job.data);
      } catch (err) {
        if (err instanceof FaceBatchError) throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    {
      connection,
      prefix: keys.queuePrefix(),
      concurrency: o.concurrency,
      lockDuration: o.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(o.lockDurationMs / 2)),
      maxStalledCount: 2,
    },
  );
  worker.on('failed', (job, err) =>
    log.error({ job: job?.id, attempts: job?.attemptsMade, err: err.message }, 'embed batch failed'),
  );
  worker.on('error', (err) => log.error({ err: err.message }, 'embed worker error'));
  let closing: Promise<void> | undefined;
  return {
    worker,
    close(force = false) {
      closing ??= worker.close(force).finally(() => connection.disconnect());
      return closing;
    },
  };
}
