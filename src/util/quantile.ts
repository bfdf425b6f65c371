/**
 * Nearest-rank quantile (q in [0, 1]) of ascending `sorted`; null when empty. The one definition every
 * report uses, so percentiles agree between them.
 */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}
