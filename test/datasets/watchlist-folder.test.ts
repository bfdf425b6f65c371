import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DatasetError } from '../../src/datasets/dataset-error.ts';
import { loadWatchlistFolder } from '../../src/datasets/watchlist-folder.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function folder(files: string[]): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'bf-wl-'));
  dirs.push(d);
  for (const f of files) {
    await mkdir(join(d, f, '..'), { recursive: true });
    await writeFile(join(d, f), 'x');
  }
  return d;
}

test('identities are photo files and folders of photos, named by file or folder', async () => {
  const d = await folder([
    'alice.jpg',
    'bob/2.png',
    'bob/1.JPG',
    'bob/notes.txt',
    'carol.jpeg',
    'carol/side.png',
    '.hidden.jpg',
    'readme.md',
    'empty/.keep',
  ]);
  assert.deepEqual(await loadWatchlistFolder(d), [
    { id: 'alice', photos: [join(d, 'alice.jpg')] },
    { id: 'bob', photos: [join(d, 'bob', '1.JPG'), join(d, 'bob', '2.png')] },
    { id: 'carol', photos: [join(d, 'carol.jpeg'), join(d, 'carol', 'side.png')] },
  ]);
});

test('a missing folder or one without photos is a DatasetError naming it', async () => {
  await assert.rejects(loadWatchlistFolder('/nonexistent/watchlist'), DatasetError);
  const d = await folder(['readme.md']);
  await assert.rejects(loadWatchlistFolder(d), /has no photos/);
});
