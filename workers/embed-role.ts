import type { BridgefaceConfig } from '../src/config/schema.ts';
import { PipelineMetrics } from '../src/metrics/pipeline-metrics.ts';
import { createProbeEmbedder } from '../src/models/registry.ts';
import { createMatchStage, loadScoreNormaliser } from '../src/pipeline/assemble.ts';
import { FanoutEventSink, JsonlEventSink, type EventSink } from '../src/pipeline/event-sink.ts';
import { startBatchWorker } from '../src/queue/embed-queue.ts';
import { EventLog } from '../src/store/event-log.ts';
import { RedisDecisionMemory } from '../src/store/redis-decision-memory.ts';
import { RedisEventSink } from '../src/store/redis-event-sink.ts';
import type { RedisClient } from '../src/store/redis-connection.ts';
import { RedisKeys } from '../src/store/redis-keys.ts';
import { StoreGallerySource } from '../src/store/store-gallery-source.ts';
import { WatchlistStore } from '../src/store/watchlist-store.ts';
import { closeAll, type RoleHandle } from './role.ts';

/** Embed role: BullMQ worker → student (with the teacher + adapter by face size: `embed.blendFromPx` / `teacherFromPx`) → watchlist match → events stream. */
export async function startEmbedRole(config: BridgefaceConfig, redis: RedisClient): Promise<RoleHandle> {
  const keys = new RedisKeys(config.redis.prefix);
  const metrics = new PipelineMetrics();
  const normaliser = await loadScoreNormaliser(config);
  const embedder = await createProbeEmbedder(config.embed.model, config.embed);
  const store = new WatchlistStore(redis, keys);
  const gallery = new StoreGallerySource(store, redis, keys, embedder.name, embedder.dim);
  const sinks: EventSink[] = [new RedisEventSink(new EventLog(redis, keys, config.events))];
  if (config.events.jsonl) sinks.push(new JsonlEventSink(config.events.jsonl));
  const stage = createMatchStage(config, {
    embedder,
    normaliser,
    gallery,
    decisions: new RedisDecisionMemory(redis, keys),
    sink: new FanoutEventSink(sinks),
    metrics,
  });
  const worker = startBatchWorker(redis, keys, async (batch) => void (await stage.process(batch)), {
    concurrency: config.embed.concurrency,
  });
  let closing: Promise<void> | undefined;
  return {
    metrics,
    finished: new Promise<void>(() => {}),
    close() {
      closing ??= closeAll('embed role', [
        ['queue worker', () => worker.close()],
        ['watchlist', () => gallery.close()],
        ['model', () => embedder.dispose()],
      ]);
      return closing;
    },
  };
}
