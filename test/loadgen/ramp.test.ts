import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backlogSlopePerSecond,
  judgeStep,
  rampRates,
  sustainedRate,
  type DepthSample,
  type StepObservation,
} from '../../src/loadgen/ramp.ts';

const flat = (n: number, waiting = 0): DepthSample[] =>
  Array.from({ length: n }, (_, i) => ({ tMs: i * 250, waiting, active: 1 }));
const growing = (n: number, perSample: number): DepthSample[] =>
  Array.from({ length: n }, (_, i) => ({ tMs: i * 250, waiting: i * perSample, active: 4 }));

const obs = (o: Partial<StepObservation>): StepObservation => ({
  offeredRate: 100,
  injectedRate: 100,
  completedRate: 99,
  dropped: 0,
  durationMs: 10_000,
  depth: flat(40),
  ...o,
});

test('rampRates is geometric, rounded, increasing and bounded', () => {
  assert.deepEqual(rampRates({ startRate: 50, factor: 1.5, maxSteps: 5 }), [50, 75, 113, 169, 253]);
  assert.deepEqual(rampRates({ startRate: 1, factor: 1.1, maxSteps: 4 }), [1, 2, 3, 4]); // distinct rates only
  assert.deepEqual(rampRates({ startRate: 100, factor: 2, maxSteps: 10, maxRate: 500 }), [100, 200, 400]);
  assert.throws(() => rampRates({ startRate: 0, factor: 2, maxSteps: 3 }), RangeError);
  assert.throws(() => rampRates({ startRate: 10, factor: 1, maxSteps: 3 }), RangeError);
});

test('backlog slope is batches per second', () => {
  assert.equal(backlogSlopePerSecond(flat(10, 7)), 0);
  assert.ok(Math.abs(backlogSlopePerSecond(growing(10, 2)) - 8) < 1e-9); // 2 per 250 ms
  assert.equal(backlogSlopePerSecond([]), 0);
});

test('a step keeps up when events match injection, no drops, flat backlog', () => {
  assert.deepEqual(judgeStep(obs({})), { keptUp: true, reasons: [] });
  // A noisy but bounded backlog is fine.
  const noisy = flat(40).map((d, i) => ({ ...d, waiting: i % 3 }));
  assert.equal(judgeStep(obs({ depth: noisy })).keptUp, true);
});

test('a step falls behind on drops, steady backlog growth or low event rate', () => {
  const dropped = judgeStep(obs({ dropped: 32 }));
  assert.equal(dropped.keptUp, false);
  assert.match(dropped.reasons[0]!, /32 faces dropped/);
  const backlog = judgeStep(obs({ depth: growing(40, 1) }));
  assert.equal(backlog.keptUp, false);
  assert.match(backlog.reasons.join(';'), /backlog grew/);
  const slow = judgeStep(obs({ completedRate: 60 }));
  assert.equal(slow.keptUp, false);
  assert.match(slow.reasons.join(';'), /events at 60/);
  // Judged against what was injected, not offered: an injector that fell short is not the system's fault.
  assert.equal(judgeStep(obs({ injectedRate: 70, completedRate: 69 })).keptUp, true);
});

test('sustained rate is the best completed rate among steps that kept up', () => {
  assert.equal(
    sustainedRate([
      { completedRate: 100, keptUp: true },
      { completedRate: 190, keptUp: true },
      { completedRate: 250, keptUp: false },
    ]),
    190,
  );
  assert.equal(sustainedRate([{ completedRate: 80, keptUp: false }]), 0);
});
