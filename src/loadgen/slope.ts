/**
 * Ordinary least-squares slope of y over x (dy/dx) of `items`; 0 with fewer than two items or when
 * every x is the same. One pass for the means, one for the sums.
 */
export function leastSquaresSlope<T>(
  items: readonly T[],
  x: (item: T) => number,
  y: (item: T) => number,
): number {
  const n = items.length;
  if (n < 2) return 0;
  let mx = 0;
  let my = 0;
  for (const it of items) {
    mx += x(it);
    my += y(it);
  }
  mx /= n;
  my /= n;
  let num = 0;
  let den = 0;
  for (const it of items) {
    const dx = x(it) - mx;
    num += dx * (y(it) - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : num / den;
}
