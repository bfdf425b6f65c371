import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameAssembler } from '../../src/decode/frame-assembler.ts';

test('frames are cut at exact boundaries whatever the chunking', () => {
  const frames: Buffer[] = [];
  const a = new FrameAssembler(4, (f) => frames.push(f));
  const bytes = Buffer.from([...Array(10).keys()]);
  a.push(bytes.subarray(0, 3));
  a.push(bytes.subarray(3, 9));
  a.push(bytes.subarray(9));
  assert.deepEqual(
    frames.map((f) => [...f]),
    [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ],
  );
  assert.equal(a.pendingBytes, 2);
  a.reset();
  a.push(Buffer.from([9, 9, 9, 9]));
  assert.deepEqual([...frames[2]!], [9, 9, 9, 9]);
});

test('delivered frames are independent buffers', () => {
  const frames: Buffer[] = [];
  const a = new FrameAssembler(2, (f) => frames.push(f));
  a.push(Buffer.from([1, 2, 3, 4]));
  frames[0]![0] = 99;
  assert.equal(frames[1]![0], 3);
});
