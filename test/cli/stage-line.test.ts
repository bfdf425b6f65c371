import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stageLine } from '../../src/cli/stage-line.ts';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (t: string) => writes.push(t) };
}

test('off a terminal each stage writes one finished line, with its result and duration', () => {
  const s = fakeStream(false);
  let t = 0;
  const line = stageLine(s, () => t);
  line.start('loading models');
  line.update('teacher');
  t = 1500;
  line.start('processing the clip'); // ends the previous stage
  line.update('40 frames');
  t = 4000;
  line.done('100 frames, 7 events');
  line.done('ignored: no stage is running');
  assert.deepEqual(s.writes, [
    'loading models: 1.5 s\n',
    'processing the clip: 100 frames, 7 events, 2.5 s\n',
  ]);
});

test('on a terminal the line is redrawn in place and left with the result', () => {
  const s = fakeStream(true);
  let t = 0;
  const line = stageLine(s, () => t);
  line.start('processing the clip');
  line.update('12 frames');
  t = 500;
  line.done('100 frames');
  assert.deepEqual(s.writes, [
    '\r\x1b[Kprocessing the clip…',
    '\r\x1b[Kprocessing the clip… 12 frames',
    '\r\x1b[Kprocessing the clip: 100 frames, 0.5 s\n',
  ]);
});
