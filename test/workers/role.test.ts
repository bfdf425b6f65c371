import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeAll } from '../../workers/role.ts';

test('closeAll runs every cleanup step even when one fails or hangs, then reports the failures', async () => {
  const ran: string[] = [];
  const started = Date.now();
  await assert.rejects(
    closeAll(
      'test role',
      [
        ['first', () => void ran.push('first')],
        [
          'broken',
          async () => {
            ran.push('broken');
            throw new Error('connection reset');
          },
        ],
        ['hung', () => (ran.push('hung'), new Promise<void>(() => {}))],
        ['last', async () => void ran.push('last')],
      ],
      100,
    ),
    (err: unknown) => {
      assert.ok(err instanceof AggregateError);
      assert.equal(err.errors.length, 2);
      assert.match(String((err.errors[1] as Error).message), /hung did not finish within 100 ms/);
      return true;
    },
  );
  assert.deepEqual(ran, ['first', 'broken', 'hung', 'last']);
  assert.ok(Date.now() - started < 5000, 'a hung step is given up on after its timeout');
});

test('closeAll resolves when every step succeeds', async () => {
  let n = 0;
  await closeAll('ok', [
    ['a', () => void n++],
    ['b', async () => void n++],
  ]);
  assert.equal(n, 2);
});
