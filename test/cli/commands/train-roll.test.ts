import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRollCard } from '../../../src/cli/commands/train-roll.ts';
import { runCli } from '../../helpers/run-cli.ts';

/** `bridgeface train-roll`: usage errors name the problem before any data is read; the card renders. */

test('a missing LFW root is named, without a stack trace', async () => {
  const r = await runCli(['train-roll', '--data', '/nonexistent-lfw']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\/nonexistent-lfw/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('a bad number is a usage error naming the option', async () => {
  const r = await runCli(['train-roll', '--data', 'x', '--lr', '7']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--lr/);
});

test('the model card tabulates the validation error per face size and epoch', () => {
  const card = renderRollCard({
    parameters: 40273,
    data: 'LFW DevTrain',
    epochs: 2,
    stepsPerEpoch: 10,
    batch: 64,
    learningRate: 0.003,
    seed: 1,
    trainingSeconds: 90,
    history: [1, 2].map((epoch) => ({
      stage: 'roll',
      epoch,
      step: epoch * 10,
      learningRate: 0.003,
      loss: { total: 0.02 / epoch },
      validation: { mae_deg_12: 8 / epoch, mae_deg_32: 5 / epoch },
      elapsedS: 45 * epoch,
    })),
  });
  assert.match(card, /40,273 parameters/);
  assert.match(card, /\| epoch \| train loss \| 12 px \| 32 px \|/);
  assert.match(card, /\| 2 \| 0\.0100 \| 4\.0° \| 2\.5° \|/);
  assert.match(card, /1\.5 min/);
});
