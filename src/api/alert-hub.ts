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

/** The alerts channel could not be subscribed (Redis unreachable or too slow); nothing was kept. */
export class AlertsUnavailableError extends Error {
  readonly code = 'ALERTS_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`alerts channel unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'AlertsUnavailableError';
  }
}

export interface AlertHubOptions {
  /** A subscribe that has not succeeded after this long fails (its connection is closed). @defaultValue 5000 */
  readonly subscribeTimeoutMs?: number;
}

/**
 * One Redis subscriber per API process for the alerts channel, fanned out to every live SSE client.
 * A listener is registered only once the channel is subscribed (so no later publish is missed); a
 * failed or timed-out subscribe closes its connection and registers nothing, and the next `add`
 * tries again, so the hub recovers by itself when Redis returns. Once subscribed, ioredis reconnects
 * and resubscribes across outages. Messages that are not valid events are dropped (and logged).
 * `close()` is idempotent and does not wait for Redis.
 */
export class AlertHub {
  private readonly listeners = new Set<AlertListener>();
  private subscriber: RedisClient | undefined;
  private subscribing: Promise<void> | undefined;
  private closed = false;
  private readonly subscribeTimeoutMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    options: AlertHubOptions = {},
  ) {
    this.subscribeTimeoutMs = options.subscribeTimeoutMs ?? 5000;
  }

  get size(): number {
    return this.listeners.size;
  }

  /**
   * Adds a listener once the channel is subscribed; returns its removal. Throws
   * AlertsUnavailableError (nothing registered) when the subscribe fails.
   */
  async add(listener: AlertListener): Promise<() => void> {
    if (this.closed) throw new AlertsUnavailableError('the alert hub is closed');
    await this.ensureSubscribed();
    if (this.closed) throw new AlertsUnavailableError('the alert hub is closed');
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private ensureSubscribed(): Promise<void> {
    if (this.subscriber) return Promise.resolve();
    this.subscribing ??= this.subscribe().finally(() => {
      this.subscribing = undefined;
    });
    return this.subscribing;
  }

  private async subscribe(): Promise<void> {
    const sub = duplicateClient(this.redis);
    sub.on('message', (_channel: string, message: string) => this.dispatch(message));
    sub.on('error', (err: Error) => log.warn({ err: err.message }, 'alert subscriber error'));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no subscription after ${this.subscribeTimeoutMs} ms`)),
        this.subscribeTimeoutMs,
      );
    });
    try {
      await Promise.race([sub.subscribe(this.keys.alertsChannel()), timeout]);
    } catch (err) {
      sub.disconnect();
      throw new AlertsUnavailableError(err);
    } finally {
      clearTimeout(timer);
    }
    if (this.closed) {
      sub.disconnect();
      return;
    }
    // A client that gives up reconnecting (its retry strategy said so) is replaced on the next add.
    sub.once('end', () => {
      if (this.subscriber === sub) this.subscriber = undefined;
    });
    this.subscriber = sub;
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
    this.subscriber = undefined;
  }
}
