/**
 * Plans a transpose as wasm Transpose calls that stay cache-friendly. wasm's Transpose walks the
 * output in order and gathers each element from its strided input position, so a permutation that
 * changes the innermost axis costs a cache miss per element once the tensor outgrows the cache
 * (measured 4–6x slower than a copy for [32768, 64]). Splitting the axis that becomes innermost
 * into [A/b, b] lets a first pass move only b-wide blocks innermost (b rows stay in cache) and a
 * second pass reorder whole b-float runs. Both passes keep a short, sequential inner loop.
 */
export interface TransposeStep {
  readonly shape: number[];
  readonly perm: number[];
}

const BLOCK = 32;
const MIN_BLOCKED_SIZE = 1 << 16;

/** Drops size-1 axes and merges input axes that stay adjacent and in order in the output. */
function canonicalTranspose(shape: readonly number[], perm: readonly number[]): TransposeStep {
  const kept = perm.filter((a) => shape[a] !== 1);
  const groups: number[][] = [];
  for (const a of kept) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1] + 1 === a) last.push(a);
    else groups.push([a]);
  }
  const inputOrder = [...groups].sort((g, h) => g[0] - h[0]);
  return {
    shape: inputOrder.map((g) => g.reduce((p, a) => p * shape[a], 1)),
    perm: groups.map((g) => inputOrder.indexOf(g)),
  };
}

/** One or two Transpose steps (each preceded by a reshape to `shape`) equivalent to `perm`. */
export function planTranspose(shape: readonly number[], perm: readonly number[]): TransposeStep[] {
  const c = canonicalTranspose(shape, perm);
  const rank = c.shape.length;
  if (rank <= 1) return [];
  const size = c.shape.reduce((p, d) => p * d, 1);
  const inner = c.perm[rank - 1];
  if (
    inner === rank - 1 ||
    size < MIN_BLOCKED_SIZE ||
    c.shape[inner] % BLOCK !== 0 ||
    c.shape[inner] === BLOCK
  ) {
    return [c];
  }
  // Split input axis `inner` into [A1, BLOCK]; BLOCK is axis inner+1 of the split shape.
  const split = [...c.shape.slice(0, inner), c.shape[inner] / BLOCK, BLOCK, ...c.shape.slice(inner + 1)];
  const renumber = (a: number): number => (a > inner ? a + 1 : a);
  // Pass 1: keep every axis in place except BLOCK, which goes innermost.
  const order1 = [...split.keys()].filter((a) => a !== inner + 1).concat(inner + 1);
  // Pass 2: the final order (A1 where A was), BLOCK still innermost.
  const final = c.perm.slice(0, -1).map(renumber).concat(inner);
  const perm2 = final.map((a) => order1.indexOf(a)).concat(order1.length - 1);
  return [
    { shape: split, perm: order1 },
    { shape: order1.map((a) => split[a]), perm: perm2 },
  ];
}
