import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ROLL_CONTEXT_SIZE } from '../../src/distill/roll-samples.ts';
import { trainRollNet } from '../../src/distill/train-roll.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { initBackend } from '../../src/runtime/backend.ts';

process.env.BRIDGEFACE_LOG_LEVEL ??= 'warn';

/** Stand-in faces: a bright horizontal bar (an eye line) at a few heights and lengths. */
function barFace(row: number, half: number): RgbImage {
  const S = ROLL_CONTEXT_SIZE;
  const data = new Uint8Array(S * S * 3).fill(50);
  for (let y = row; y < row + 6; y++)
    for (let x = 48 - half; x < 48 + half; x++) data.fill(220, (y * S + x) * 3, (y * S + x) * 3 + 3);
  return { width: S, height: S, data };
}

describe('trainRollNet', () => {
  before(initBackend);

  it('learns to read the tilt (error falls well below a guess), and resumes from its checkpoint', async () => {
    const faces = [38, 42, 46].flatMap((row) => [16, 22].map((half) => barFace(row, half)));
    const dir = await mkdtemp(join(tmpdir(), 'bf-train-roll-'));
    const options = {
      train: faces,
      validation: faces,
      epochs: 4,
      stepsPerEpoch: 15,
      batchSize: 32,
      validationSizes: [24],
      validationPerSize: 64,
      samples: { sizeRange: [24, 32] as const },
      checkpointDir: dir,
      progress: false,
    };
    try {
      const { net, records } = await trainRollNet(options);
      net.dispose();
      assert.equal(records.length, 4);
      // Uniform rolls in ±45°: always answering 0 errs by 22.5° on average.
      const first = records[0]!.validation.mae_deg_24!;
      const last = records.at(-1)!.validation.mae_deg_24!;
      assert.ok(last < 12, `error after training ${last.toFixed(1)}°`);
      assert.ok(last < first, `${first.toFixed(1)}° → ${last.toFixed(1)}°`);
      // A resumed run past the end does no further steps and reports the same history.
      const resumed = await trainRollNet({ ...options, resume: true });
      resumed.net.dispose();
      assert.deepEqual(
        resumed.records.map((r) => r.validation),
        records.map((r) => r.validation),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to train without faces', async () => {
    await assert.rejects(
      () => trainRollNet({ train: [], validation: [], epochs: 1, stepsPerEpoch: 1 }),
      /needs training and validation faces/,
    );
  });
});
