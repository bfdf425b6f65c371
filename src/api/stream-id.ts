import { z } from 'zod';

/** A Redis stream entry id `<ms>-<seq>`, the cursor of event pages and SSE resumes. */
export const streamIdSchema = z
  .string()
  .regex(/^\d{1,20}-\d{1,20}$/, 'expected a stream id like 1700000000000-0');

/** Orders two stream ids (-1, 0, 1) exactly, ms part first. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}
