import * as tf from '@tensorflow/tfjs';
import { createTinyTileNet } from '../src/detect/tile-nets.ts';

/**
 * The machine-speed reference of the detection benches: these VMs drift ±40% and share their cores,
 * so a fixed workload timed in the same run (face-api's tiny face net on one 640x480 tile, median of
 * 7 after a warm-up) lets per-frame costs be compared across runs as ratios.
 */
export async function tinyTileReferenceMs(): Promise<number> {
  const net = await createTinyTileNet();
  const tile = tf.fill([1, 480, 640, 3], 120) as tf.Tensor4D;
  try {
    await net.run(tile, 0.5);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      await net.run(tile, 0.5);
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[3]!;
  } finally {
    tile.dispose();
    net.dispose();
  }
}
