import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createEmbedder } from '../../src/models/registry.ts';
import { REPO_ROOT } from '../../src/models/model-paths.ts';

/**
 * The GPU tools (bench/gpu) run where there is no Node, so their contract is the folder the TypeScript
 * side writes: the shipped weights byte for byte, the crops, and what our own embedders return for those
 * crops (embed_torch.py refuses to time a model that does not reproduce them).
 */
function runScript(
  script: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, script), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, BRIDGEFACE_LOG_LEVEL: 'silent' } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

interface Fixture {
  models: {
    name: string;
    kind: string;
    dir: string;
    input_size: number;
    faces: number;
    inputs_b64: string;
    embeddings: number[][];
  }[];
}

test('bench:gpu:export writes the shipped student and the embeddings our embedder gives its crops', async () => {
  const out = await mkdtemp(join(tmpdir(), 'bf-gpu-export-'));
  try {
    const run = await runScript('bench/gpu/export.ts', ['--model', 'student', '--faces', '3', '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    const fixture = JSON.parse(await readFile(join(out, 'fixture.json'), 'utf8')) as Fixture;
    assert.equal(fixture.models.length, 1);
    const m = fixture.models[0]!;
    assert.deepEqual([m.name, m.kind, m.input_size, m.faces], ['student', 'layers', 32, 3]);
    for (const f of ['model.json', 'weights.bin']) {
      assert.deepEqual(
        await readFile(join(out, m.dir, f)),
        await readFile(join(REPO_ROOT, 'models', 'student', f)),
        `${f} is copied as shipped`,
      );
    }
    const bytes = Buffer.from(m.inputs_b64, 'base64');
    assert.equal(bytes.length, 3 * 32 * 32 * 3);
    const per = 32 * 32 * 3;
    const crops = [0, 1, 2].map((i) => ({
      width: 32,
      height: 32,
      data: new Uint8Array(bytes.subarray(i * per, (i + 1) * per)),
    }));
    const student = await createEmbedder('student');
    try {
      const again = await student.embed(crops);
      again.forEach((v, i) =>
        v.forEach((x, k) => assert.ok(Math.abs(x - m.embeddings[i]![k]!) < 1e-6, `crop ${i} dim ${k}`)),
      );
    } finally {
      student.dispose();
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('bench:gpu:plot draws a results file and names the problem with a bad one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bf-gpu-plot-'));
  try {
    const json = join(dir, 'gpu.json');
    await writeFile(
      json,
      JSON.stringify({
        date: '2026-12-01T00:00:00Z',
        device: 'Test GPU',
        torch: '0',
        results: [
          { model: 'student', dtype: 'fp16', batch: 1, faces_per_second_on_device: 1000 },
          { model: 'student', dtype: 'fp16', batch: 256, faces_per_second_on_device: 200000 },
          { model: 'teacher', dtype: 'fp16', batch: 256, error: 'out of memory' },
        ],
      }),
    );
    const svg = join(dir, 'out.svg');
    const ok = await runScript('bench/gpu/plot.ts', [json, '--out', svg]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /2 points/, 'rows without a timing are left out');
    assert.match(await readFile(svg, 'utf8'), /^<svg[\s\S]*Test GPU/);

    const bad = await runScript('bench/gpu/plot.ts', [join(dir, 'missing.json'), '--out', svg]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cannot read .*missing\.json/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
