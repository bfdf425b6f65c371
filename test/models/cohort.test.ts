import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  COHORT_FILE,
  CohortError,
  cohortPathFor,
  cohortTargetFor,
  loadCheckedCohort,
  loadCohort,
  saveCohort,
  weightsFingerprint,
} from '../../src/models/cohort.ts';

const dirs: string[] = [];
after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function modelDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-cohort-'));
  dirs.push(dir);
  await writeFile(join(dir, 'weights.bin'), Buffer.from([1, 2, 3, 4]));
  return dir;
}
const enrol = { gallery: 'fused', lrSizes: [12, 16, 24], greyscale: true };
const vectors = [Float32Array.from([0.6, 0.8]), Float32Array.from([1, 0]), Float32Array.from([0, -1])];

test('a cohort round-trips through its file and is found beside the model’s weights', async () => {
  const dir = await modelDir();
  const path = cohortPathFor(dir)!;
  assert.equal(path, join(dir, COHORT_FILE));
  assert.equal(cohortPathFor('teacher'), undefined);
  await saveCohort(path, { weightsSha256: await weightsFingerprint(dir), enrol, source: 'test', vectors });
  const back = await loadCohort(path);
  assert.deepEqual(back.vectors, vectors);
  assert.deepEqual(back.enrol, enrol);
  const checked = await loadCheckedCohort(dir, enrol);
  assert.equal(checked.vectors.length, 3);
});

test('a missing, stale or differently enrolled cohort is refused with what to do', async () => {
  const dir = await modelDir();
  await assert.rejects(loadCheckedCohort(dir, enrol), (err: unknown) => {
    assert.ok(err instanceof CohortError);
    assert.match(err.message, /no score-normalisation cohort .*bridgeface calibrate.*scoreNorm: none/);
    return true;
  });
  await assert.rejects(loadCheckedCohort('teacher', enrol), /teacher has no score-normalisation cohort/);
  const path = cohortPathFor(dir)!;
  await saveCohort(path, { weightsSha256: await weightsFingerprint(dir), enrol, source: 'test', vectors });
  await assert.rejects(loadCheckedCohort(dir, { ...enrol, greyscale: false }), /enrolled with/);
  await writeFile(join(dir, 'weights.bin'), Buffer.from([9, 9]));
  await assert.rejects(loadCheckedCohort(dir, enrol), /other weights/);
  await writeFile(path, '{"version": 1}');
  await assert.rejects(loadCohort(path), /not a BridgeFace cohort file/);
});

test('calibrate writes a cohort wherever --cohort-out says, tied to the probe model’s weights', async () => {
  const dir = await modelDir();
  const out = join(await modelDir(), 'elsewhere.json');
  assert.deepEqual(cohortTargetFor(dir), { path: join(dir, COHORT_FILE), modelDir: dir });
  assert.deepEqual(cohortTargetFor(dir, out), { path: out, modelDir: dir });
  assert.equal(cohortTargetFor('teacher', out), undefined);
});
