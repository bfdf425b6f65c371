import { z } from 'zod';

/** Largest value of either part of a Redis stream id (an unsigned 64-bit integer). */
const U64_MAX = 2n ** 64n - 1n;

/** The smallest and largest stream ids: nothing lies before the first or after the last. */
export const MIN_STREAM_ID = '0-0';
export const MAX_STREAM_ID = `${U64_MAX}-${U64_MAX}`;

const SHAPE = /^\d{1,20}-\d{1,20}$/;

function inRange(id: string): boolean {
  return !SHAPE.test(id) || id.split('-').every((part) => BigInt(part) <= U64_MAX);
}

/**
 * A Redis stream entry id `<ms>-<seq>`, the cursor of event pages and SSE resumes. Both parts are
 * unsigned 64-bit integers, as Redis requires: a larger one is a 400 here, not a Redis error later.
 */
export const streamIdSchema = z
  .string()
  .regex(SHAPE, 'expected a stream id like 1700000000000-0')
  .refine(inRange, 'stream id parts must be at most 2^64-1');

/** Orders two stream ids (-1, 0, 1) exactly, ms part first. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}
