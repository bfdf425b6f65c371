import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { DatasetError } from '../../src/datasets/dataset-error.ts';
import { countImages, loadFolderDataset } from '../../src/datasets/folder-dataset.ts';

let root: string;

async function image(path: string, format: 'jpeg' | 'png'): Promise<void> {
  const raw = { width: 8, height: 8, channels: 3 as const };
  const s = sharp(Buffer.alloc(8 * 8 * 3, 128), { raw });
  await writeFile(path, format === 'jpeg' ? await s.jpeg().toBuffer() : await s.png().toBuffer());
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'bf-folder-'));
  await mkdir(join(root, 'bob'));
  await mkdir(join(root, 'alice'));
  await mkdir(join(root, 'empty'));
  await image(join(root, 'bob', 'b2.png'), 'png');
  await image(join(root, 'bob', 'b1.JPG'), 'jpeg');
  await image(join(root, 'alice', 'a1.jpeg'), 'jpeg');
  // A binary PGM (P5) is accepted by extension; the decoder handles it.
  await writeFile(
    join(root, 'alice', 'a2.pgm'),
    Buffer.concat([Buffer.from('P5\n2 2\n255\n'), Buffer.alloc(4, 9)]),
  );
  await writeFile(join(root, 'alice', 'notes.txt'), 'not an image');
  await writeFile(join(root, 'alice', '.hidden.jpg'), 'hidden');
  await writeFile(join(root, 'loose.jpg'), 'loose file at the root');
});

after(() => rm(root, { recursive: true, force: true }));

test('loads identities sorted, images sorted, skipping non-images and empty folders', async () => {
  const ds = await loadFolderDataset(root);
  assert.deepEqual(
    ds.identities.map((i) => i.name),
    ['alice', 'bob'],
  );
  assert.deepEqual(
    ds.identities[0].images.map((p) => p.slice(root.length + 1)),
    ['alice/a1.jpeg', 'alice/a2.pgm'],
  );
  assert.deepEqual(
    ds.identities[1].images.map((p) => p.slice(root.length + 1)),
    ['bob/b1.JPG', 'bob/b2.png'],
  );
  assert.equal(countImages(ds), 4);
});

test('missing, non-directory and image-less roots are clear errors', async () => {
  await assert.rejects(
    loadFolderDataset(join(root, 'nope')),
    (e: unknown) => e instanceof DatasetError && /does not exist/.test(e.message),
  );
  await assert.rejects(loadFolderDataset(join(root, 'loose.jpg')), /is not a directory/);
  await assert.rejects(loadFolderDataset(join(root, 'empty')), /has no images/);
});
