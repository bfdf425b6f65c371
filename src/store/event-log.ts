import { CONFIG_DEFAULTS } from '../config/defaults.ts';
import type { RedisClient } from './redis-connection.ts';
import { withDefaults, type OptionsInput } from '../util/with-defaults.ts';
import type { RedisKeys } from './redis-keys.ts';
import { eventFromFields, eventToFields, type IdentityEvent } from '../events/identity-event.ts';

export interface EventLogOptions {
  /** Approximate cap of the stream (XADD MAXLEN ~). @defaultValue 100000 */
  readonly maxLength: number;
  /** Seconds an evidence crop is kept. @defaultValue 86400 */
  readonly evidenceTtlSeconds: number;
}

/** The config's `events` defaults (src/config/schema.ts). */
export const DEFAULT_EVENT_LOG_OPTIONS: EventLogOptions = Object.freeze({
  maxLength: CONFIG_DEFAULTS.events.maxLength,
  evidenceTtlSeconds: CONFIG_DEFAULTS.events.evidenceTtlSeconds,
});

export interface StoredEvent {
  /** Redis stream entry id (`<ms>-<seq>`), usable as a resume cursor. */
  readonly streamId: string;
  readonly event: IdentityEvent;
}

/**
 * Identity events in a bounded Redis Stream, each also published on the alerts channel for live
 * consumers; evidence crops are stored beside them with a TTL. Downstream services read the stream
 * with consumer groups (XREADGROUP), so each alert is processed once per group.
 */
export class EventLog {
  private readonly options: EventLogOptions;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    options: OptionsInput<EventLogOptions> = {},
  ) {
    this.options = withDefaults(DEFAULT_EVENT_LOG_OPTIONS, options);
  }

  /** Appends an event (storing its evidence PNG first, so the key never dangles); returns the stream id. */
  async append(event: IdentityEvent, evidencePng?: Buffer): Promise<string> {
    const tx = this.redis.multi();
    if (evidencePng && event.evidenceKey) {
      tx.set(this.keys.evidence(event.evidenceKey), evidencePng, 'EX', this.options.evidenceTtlSeconds);
    }
    tx.xadd(this.keys.events(), 'MAXLEN', '~', String(this.options.maxLength), '*', ...eventToFields(event));
    const res = await tx.exec();
    const streamId = String(res?.[res.length - 1]?.[1] ?? '');
    await this.redis.publish(this.keys.alertsChannel(), JSON.stringify({ streamId, ...event }));
    return streamId;
  }

  /** Events after `afterId` (exclusive), oldest first. */
  async readAfter(afterId = '0', count = 100): Promise<StoredEvent[]> {
    const start = afterId === '0' ? '-' : `(${afterId}`;
    const rows = await this.redis.xrange(this.keys.events(), start, '+', 'COUNT', count);
    return rows.map(([streamId, fields]) => ({ streamId, event: eventFromFields(fields) }));
  }

  async evidence(key: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.keys.evidence(key));
  }

  async length(): Promise<number> {
    return this.redis.xlen(this.keys.events());
  }
}
