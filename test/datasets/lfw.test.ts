import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DatasetError } from '../../src/datasets/dataset-error.ts';
import { lfwImagePath, loadLfwPairs, loadLfwPeople, parseLfwSplit } from '../../src/datasets/lfw.ts';

let root: string;
const PEOPLE: Record<string, number> = { Ann_A: 3, Bob_B: 2, Cat_C: 1, Dan_D: 2 };

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'bf-lfw-'));
  for (const [name, n] of Object.entries(PEOPLE)) {
    await mkdir(join(root, 'images_deepfunneled', name), { recursive: true });
    // Contents are irrelevant to the loader (it checks existence only).
    for (let i = 1; i <= n; i++) await writeFile(lfwImagePath(root, name, i), 'x');
  }
  await writeFile(
    join(root, 'pairsDevTest.txt'),
    '2\nAnn_A\t1\t2\nBob_B\t1\t2\nAnn_A\t3\tCat_C\t1\nBob_B\t2\tDan_D\t1\n\n',
  );
  await writeFile(join(root, 'pairsDevTrain.txt'), '1\r\nDan_D 1 2\r\nCat_C 1 Ann_A 2\r\n');
  await writeFile(
    join(root, 'pairs.txt'),
    '2\t1\nAnn_A\t1\t3\nCat_C\t1\tDan_D\t2\nBob_B\t1\t2\nAnn_A\t2\tBob_B\t2\n',
  );
  await writeFile(join(root, 'peopleDevTest.txt'), '2\nAnn_A\t3\nCat_C\t1\n');
  await writeFile(join(root, 'peopleDevTrain.txt'), '2\nBob_B\t2\nDan_D\t2\n');
  await writeFile(join(root, 'people.txt'), '2\n1\nAnn_A\t3\n2\nBob_B\t2\nCat_C\t1\n');
});

after(() => rm(root, { recursive: true, force: true }));

test('image paths follow images_deepfunneled/<name>/<name>_<4-digit>.jpg', () => {
  assert.equal(lfwImagePath('/r', 'Ann_A', 7), '/r/images_deepfunneled/Ann_A/Ann_A_0007.jpg');
});

test('View 1 pairs: N same then N different, no fold; CRLF tolerated', async () => {
  const pairs = await loadLfwPairs(root, 'devtest');
  assert.equal(pairs.length, 4);
  assert.deepEqual(
    pairs.map((p) => p.same),
    [true, true, false, false],
  );
  assert.equal(pairs[0].a, lfwImagePath(root, 'Ann_A', 1));
  assert.equal(pairs[0].b, lfwImagePath(root, 'Ann_A', 2));
  assert.equal(pairs[2].b, lfwImagePath(root, 'Cat_C', 1));
  assert.ok(pairs.every((p) => p.fold === null));
  const train = await loadLfwPairs(root, 'devtrain');
  assert.equal(train.length, 2);
});

test('View 2 pairs carry their official fold', async () => {
  const pairs = await loadLfwPairs(root, 'view2');
  assert.deepEqual(
    pairs.map((p) => [p.fold, p.same]),
    [
      [0, true],
      [0, false],
      [1, true],
      [1, false],
    ],
  );
});

test('people files: View 1 lists and View 2 folds', async () => {
  const dev = await loadLfwPeople(root, 'devtest');
  assert.deepEqual(
    dev.identities.map((i) => [i.name, i.images.length]),
    [
      ['Ann_A', 3],
      ['Cat_C', 1],
    ],
  );
  const v2 = await loadLfwPeople(root, 'view2');
  assert.deepEqual(v2.folds, [0, 1, 1]);
  assert.equal(v2.identities[1].images[1], lfwImagePath(root, 'Bob_B', 2));
});

async function malformed(
  file: string,
  text: string,
  pattern: RegExp,
  split = parseLfwSplit('devtest'),
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-lfw-bad-'));
  try {
    await writeFile(join(dir, file), text);
    const load = file.startsWith('people') ? loadLfwPeople : loadLfwPairs;
    await assert.rejects(load(dir, split, { checkFiles: false }), (e: unknown) => {
      assert.ok(e instanceof DatasetError, String(e));
      assert.match(e.message, pattern);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('malformed protocol files fail with file:line and the problem', async () => {
  await malformed('pairsDevTest.txt', '', /file is empty/);
  await malformed('pairsDevTest.txt', 'two\n', /pairsDevTest.txt:1: expected pairs per class/);
  await malformed('pairsDevTest.txt', '1\nAnn_A 1\nAnn_A 1 Bob_B 1\n', /:2: expected a same pair "name i j"/);
  await malformed('pairsDevTest.txt', '1\nAnn_A 1 2\nAnn_A 1 Bob_B\n', /:3: expected a different pair/);
  await malformed(
    'pairsDevTest.txt',
    '2\nAnn_A 1 2\nAnn_A 1 3\nAnn_A 1 Bob_B 1\n',
    /:5: unexpected end of file/,
  );
  await malformed('pairsDevTest.txt', '1\nAnn_A 0 2\nAnn_A 1 Bob_B 1\n', /image number >= 1, got "0"/);
  await malformed(
    'pairsDevTest.txt',
    '1\nAnn_A 1 2\nAnn_A 1 Bob_B 1\nextra 1 2\n',
    /:4: unexpected extra content/,
  );
  await malformed('pairsDevTest.txt', '1\n\nAnn_A 1 2\n', /:2: blank line/);
  await malformed('pairs.txt', '10\nAnn_A 1 2\n', /expected header "folds pairsPerClass"/, 'view2');
  await malformed('peopleDevTest.txt', '2\nAnn_A 3\n', /unexpected end of file, expected "name count"/);
  await malformed('peopleDevTest.txt', '1\nAnn_A three\n', /expected an image count/);
});

test('missing root, protocol file or images are clear errors', async () => {
  await assert.rejects(loadLfwPairs(join(root, 'nope'), 'devtest'), /LFW root .* does not exist/);
  const dir = await mkdtemp(join(tmpdir(), 'bf-lfw-empty-'));
  try {
    await assert.rejects(loadLfwPairs(dir, 'devtest'), /pairsDevTest.txt is missing/);
    await writeFile(join(dir, 'pairsDevTest.txt'), '1\nAnn_A 1 2\nAnn_A 1 Bob_B 1\n');
    await assert.rejects(
      loadLfwPairs(dir, 'devtest'),
      /3 of 3 referenced images are missing, e\.g\. .*Ann_A_0001\.jpg/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.throws(() => parseLfwSplit('test'), /unknown LFW split "test"/);
});
