import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  COHORT_FILE,
  CohortError,
  cohortEnrolOf,
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
const enrolOptions = { gallery: 'fused', lrSizes: [12, 16, 24], greyscale: true, templatePath: 'model' } as const;
const routing = { blendFromPx: 10, teacherFromPx: 24, blendWeights: [{ minFacePx: 0, teacherWeight: 0.3 }] };
const enrol = cohortEnrolOf(enrolOptions, routing);
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
  const checked = await loadCheckedCohort(dir, enrolOptions, routing);
  assert.equal(checked.vectors.length, 3);
});

test('a missing, stale or differently enrolled cohort is refused with what to do', async () => {
  const dir = await modelDir();
  await assert.rejects(loadCheckedCohort(dir, enrolOptions, routing), (err: unknown) => {
    assert.ok(err instanceof CohortError);
    assert.match(err.message, /no score-normalisation cohort .*bridgeface calibrate.*scoreNorm: none/);
    return true;
  });
  await assert.rejects(loadCheckedCohort('teacher', enrolOptions, routing), /teacher has no score-normalisation cohort/);
  const path = cohortPathFor(dir)!;
  await saveCohort(path, { weightsSha256: await weightsFingerprint(dir), enrol, source: 'test', vectors });
  await assert.rejects(loadCheckedCohort(dir, { ...enrolOptions, greyscale: false }, routing), /enrolled with/);
  await writeFile(join(dir, 'weights.bin'), Buffer.from([9, 9]));
  await assert.rejects(loadCheckedCohort(dir, enrolOptions, routing), /other weights/);
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

test('a cohort with templates on the probe path is tied to the routing it was enrolled with', async () => {
  const dir = await modelDir();
  const path = cohortPathFor(dir)!;
  const onProbePath = { ...enrolOptions, templatePath: 'probe' } as const;
  // The model's own templates do not depend on the routing: the record leaves it out.
  assert.equal(enrol.templateRouting, undefined);
  await saveCohort(path, {
    weightsSha256: await weightsFingerprint(dir),
    enrol: cohortEnrolOf(onProbePath, routing),
    source: 'test',
    vectors,
  });
  assert.equal((await loadCheckedCohort(dir, onProbePath, routing)).vectors.length, 3);
  await assert.rejects(loadCheckedCohort(dir, enrolOptions, routing), /enrolled with/);
  await assert.rejects(loadCheckedCohort(dir, onProbePath, { ...routing, blendFromPx: 16 }), /enrolled with/);
  await assert.rejects(
    loadCheckedCohort(dir, onProbePath, { ...routing, blendWeights: [{ minFacePx: 0, teacherWeight: 0.5 }] }),
    /enrolled with/,
  );
});

test('a cohort file from before enrol.templatePath reads as made by the model alone', async () => {
  const dir = await modelDir();
  const path = cohortPathFor(dir)!;
  await saveCohort(path, { weightsSha256: await weightsFingerprint(dir), enrol, source: 'test', vectors });
  const file = JSON.parse(await readFile(path, 'utf8')) as { enrol: Record<string, unknown> };
  delete file.enrol.templatePath;
  await writeFile(path, JSON.stringify(file));
  assert.equal((await loadCohort(path)).enrol.templatePath, 'model');
  assert.equal((await loadCheckedCohort(dir, enrolOptions, routing)).vectors.length, 3);
});
