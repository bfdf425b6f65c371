import type { IdentityEvent } from '../events/identity-event.ts';
import type { EventSink } from '../pipeline/event-sink.ts';
import type { EventLog } from './event-log.ts';

/** The match stage's events into the Redis stream (and the alerts channel) of the event log. */
export class RedisEventSink implements EventSink {
  constructor(private readonly log: EventLog) {}
  async append(event: IdentityEvent, evidencePng?: Buffer): Promise<void> {
    await this.log.append(event, evidencePng);
  }
}
