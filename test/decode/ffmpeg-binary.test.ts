import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateFfmpeg } from '../../src/decode/ffmpeg-binary.ts';

test('a broken FFMPEG_PATH falls back to the next ffmpeg that runs', async () => {
  const saved = process.env.FFMPEG_PATH;
  process.env.FFMPEG_PATH = '/nonexistent/ffmpeg';
  try {
    const found = await locateFfmpeg();
    assert.ok(found, 'system or npm ffmpeg found');
    assert.notEqual(found.path, '/nonexistent/ffmpeg');
    assert.notEqual(found.source, 'env');
  } finally {
    if (saved === undefined) delete process.env.FFMPEG_PATH;
    else process.env.FFMPEG_PATH = saved;
  }
});
