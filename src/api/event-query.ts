import type { RedisClient } from '../store/redis-connection.ts';
import { eventFromFields, type IdentityEvent } from '../events/identity-event.ts';
import type { StoredEvent } from '../store/event-log.ts';
import type { RedisKeys } from '../store/redis-keys.ts';
import { MAX_STREAM_ID, MIN_STREAM_ID } from './stream-id.ts';

export interface EventFilter {
  readonly camera?: string;
  readonly identityId?: string;
  readonly decisions?: readonly IdentityEvent['decision'][];
  /** Stream entry time (when the event was written), ms since epoch, inclusive. */
  readonly fromMs?: number;
  readonly toMs?: number;
}

export interface EventPage {
  /** Newest first. */
  readonly items: StoredEvent[];
  /** Pass as `cursor` for the next (older) page; null when the range is exhausted. */
  readonly nextCursor: string | null;
}

const CHUNK = 500;

export function matches(e: IdentityEvent, f: EventFilter): boolean {
  return (
    (f.camera === undefined || e.camera === f.camera) &&
    (f.identityId === undefined || e.identityId === f.identityId) &&
    (f.decisions === undefined || f.decisions.length === 0 || f.decisions.includes(e.decision))
  );
}

/**
 * Pages through the event stream newest first (XREVRANGE), filtering as it goes. A page stops after
 * `limit` matches or `maxScan` scanned entries (so a sparse filter cannot pin RedisClient); `nextCursor`
 * then resumes exactly after the last entry looked at. Entries that fail the schema are skipped.
 */
export async function queryEvents(
  redis: RedisClient,
  keys: RedisKeys,
  filter: EventFilter,
  page: { cursor?: string; limit: number; maxScan?: number },
): Promise<EventPage> {
  const maxScan = page.maxScan ?? 5000;
  // Nothing is older than the first id (and Redis refuses the exclusive range `(0-0`).
  if (page.cursor === MIN_STREAM_ID) return { items: [], nextCursor: null };
  const start = filter.fromMs === undefined ? '-' : String(filter.fromMs);
  let end = page.cursor ? `(${page.cursor}` : filter.toMs === undefined ? '+' : String(filter.toMs);
  const items: StoredEvent[] = [];
  let scanned = 0;
  let last: string | null = null;
  for (;;) {
    const rows = await redis.xrevrange(keys.events(), end, start, 'COUNT', CHUNK);
    for (const [streamId, fields] of rows) {
      scanned += 1;
      last = streamId;
      let event: IdentityEvent;
      try {
        event = eventFromFields(fields);
      } catch {
        continue;
      }
      if (matches(event, filter)) items.push({ streamId, event });
      if (items.length >= page.limit || scanned >= maxScan) return { items, nextCursor: streamId };
    }
    if (rows.length < CHUNK || last === null) return { items, nextCursor: null };
    end = `(${last}`;
  }
}

/** One event by stream id. */
export async function getEvent(
  redis: RedisClient,
  keys: RedisKeys,
  streamId: string,
): Promise<StoredEvent | undefined> {
  const rows = await redis.xrange(keys.events(), streamId, streamId);
  const row = rows[0];
  if (!row) return undefined;
  try {
    return { streamId: row[0], event: eventFromFields(row[1]) };
  } catch {
    return undefined;
  }
}

/** Events after `afterId` (exclusive), oldest first, skipping unreadable entries; `last` is the last id looked at. */
export async function readEventsAfter(
  redis: RedisClient,
  keys: RedisKeys,
  afterId: string,
  count: number,
): Promise<{ items: StoredEvent[]; last: string | undefined }> {
  // Nothing follows the last id (and Redis refuses the exclusive range after it).
  if (afterId === MAX_STREAM_ID) return { items: [], last: undefined };
  const rows = await redis.xrange(keys.events(), `(${afterId}`, '+', 'COUNT', count);
  const items: StoredEvent[] = [];
  for (const [streamId, fields] of rows) {
    try {
      items.push({ streamId, event: eventFromFields(fields) });
    } catch {
      // Unreadable entry: skipped, the cursor still moves past it.
    }
  }
  return { items, last: rows[rows.length - 1]?.[0] };
}
