import { z } from 'zod';
import type { Box } from '../image/box.ts';

/**
 * An identity event: one per track decision, plus `update` events when a track's confidence rises.
 * This is the documented schema of the Redis Stream entries (docs/EVENTS.md); every field is stored as
 * a string field of the stream entry so consumers in any language can read it without a JSON parser.
 */
export const IdentityEventSchema = z.object({
  /** Unique id of the event (UUID); the stream entry id is separate and orders events. */
  eventId: z.string().min(1),
  /** `decision` for a track's first decision, `update` when a later decision is more confident. */
  kind: z.enum(['decision', 'update']),
  camera: z.string().min(1),
  trackId: z.string().min(1),
  decision: z.enum(['match', 'unknown', 'too_small']),
  /** Watchlist identity id (match only). */
  identityId: z.string().nullable(),
  identityName: z.string().nullable(),
  /** Cosine similarity to the best watchlist identity (-1 when the watchlist is empty). */
  score: z.number(),
  /** Best score minus runner-up's. */
  margin: z.number(),
  /** Threshold applied for this face size. */
  threshold: z.number(),
  /** Face side in source pixels. */
  facePx: z.number().nonnegative(),
  /** Track quality in [0, 1]. */
  quality: z.number().min(0).max(1),
  /** Wall-clock time of the frame of the best crop, ms since epoch. */
  frameTimeMs: z.number().int().nonnegative(),
  /**
   * Where the face was: the detector box of the best crop in source-frame pixels (top-left corner,
   * width, height). Null only in events written before these fields existed.
   */
  boxX: z.number().nullable().default(null),
  boxY: z.number().nullable().default(null),
  boxWidth: z.number().nonnegative().nullable().default(null),
  boxHeight: z.number().nonnegative().nullable().default(null),
  /** 0-based index of the best crop's frame among the frames the camera decoded (at its `fps`). */
  frameIndex: z.number().int().nonnegative().nullable().default(null),
  /**
   * Media time of that frame, ms: for files the position in the video (frameIndex / fps), for live
   * streams the time since the camera started delivering frames, at its nominal rate.
   */
  mediaTimeMs: z.number().nonnegative().nullable().default(null),
  /** Key of the evidence crop (PNG) in Redis, valid while its TTL lasts; null when none was stored. */
  evidenceKey: z.string().nullable(),
  /** Embedding model that produced the decision. */
  model: z.string(),
});

export type IdentityEvent = z.infer<typeof IdentityEventSchema>;

/** Stream entry fields (flat string pairs) for XADD. */
export function eventToFields(e: IdentityEvent): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(e)) out.push(k, v === null ? '' : String(v));
  return out;
}

/** Where the face was: fields added later, empty in older entries. */
const GEOMETRY = ['boxX', 'boxY', 'boxWidth', 'boxHeight', 'frameIndex', 'mediaTimeMs'];
const NULLABLE = new Set(['identityId', 'identityName', 'evidenceKey', ...GEOMETRY]);
const NUMERIC = new Set(['score', 'margin', 'threshold', 'facePx', 'quality', 'frameTimeMs', ...GEOMETRY]);

/** The event's face box, or undefined for events written before boxes were recorded. */
export function eventBox(e: IdentityEvent): Box | undefined {
  if (e.boxX === null || e.boxY === null || e.boxWidth === null || e.boxHeight === null) return undefined;
  return { x: e.boxX, y: e.boxY, width: e.boxWidth, height: e.boxHeight };
}

/** Parses a stream entry's fields back into a validated event; throws naming the bad field. */
export function eventFromFields(fields: readonly string[]): IdentityEvent {
  const raw: Record<string, string | number | null> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const k = fields[i]!;
    const v = fields[i + 1]!;
    raw[k] = NULLABLE.has(k) && v === '' ? null : NUMERIC.has(k) ? Number(v) : v;
  }
  return IdentityEventSchema.parse(raw);
}
