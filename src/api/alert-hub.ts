import { duplicateClient, type RedisClient } from '../store/redis-connection.ts';
import { IdentityEventSchema, type IdentityEvent } from '../events/identity-event.ts';
import type { RedisKeys } from '../store/redis-keys.ts';
import { log } from '../util/log.ts';
import { streamIdSchema } from './stream-id.ts';

export interface LiveAlert {
  readonly streamId: string;
  readonly event: IdentityEvent;
}

export type AlertListener = (alert: LiveAlert) => void;

const alertSchema = IdentityEventSchema.extend({ streamId: streamIdSchema });

/**
 * One Redis subscriber per API process for the alerts channel, fanned out to every live SSE client.
 * Subscribes on the first listener; messages that are not valid events are dropped (and logged).
 * `close()` is idempotent.
 */
export class AlertHub {
  private readonly listeners = new Set<AlertListener>();
  private subscriber: RedisClient | undefined;
  private subscribing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Adds a listener; resolves once the channel is subscribed (so no later publish is missed). */
  async add(listener: AlertListener): Promise<() => void> {
    if (this.closed) throw new Error('alert hub is closed');
    this.listeners.add(listener);
    await this.ensureSubscribed();
    return () => this.listeners.delete(listener);
  }

  private ensureSubscribed(): Promise<void> {
    if (!this.subscribing) {
      const sub = duplicateClient(this.redis);
      this.subscriber = sub;
      sub.on('message', (_channel: string, message: string) => this.dispatch(message));
      sub.on('error', (err: Error) => log.warn({ err: err.message }, 'alert subscriber error'));
      this.subscribing = sub.subscribe(this.keys.alertsChannel()).then(() => undefined);
      this.subscribing.catch(() => {
        this.subscribing = undefined;
      });
    }
    return this.subscribing;
  }

  private dispatch(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      log.warn('alerts channel: message is not JSON; dropped');
      return;
    }
    const r = alertSchema.safeParse(parsed);
    if (!r.success) {
      log.warn('alerts channel: message is not an identity event; dropped');
      return;
    }
    const { streamId, ...event } = r.data;
    for (const l of this.listeners) l({ streamId, event });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.subscriber?.disconnect();
  }
}
