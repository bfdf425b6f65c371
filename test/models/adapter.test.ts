import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { adapterDirFor } from '../../src/models/adapter.ts';
import { REPO_ROOT } from '../../src/models/model-paths.ts';

/** Runs `body` with BRIDGEFACE_STUDENT_DIR set to `dir` (or unset), restoring it afterwards. */
function withStudentDir<T>(dir: string | undefined, body: () => T): T {
  const saved = process.env.BRIDGEFACE_STUDENT_DIR;
  if (dir === undefined) delete process.env.BRIDGEFACE_STUDENT_DIR;
  else process.env.BRIDGEFACE_STUDENT_DIR = dir;
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env.BRIDGEFACE_STUDENT_DIR;
    else process.env.BRIDGEFACE_STUDENT_DIR = saved;
  }
}

test('the shipped student’s adapter is models/adapter', () => {
  withStudentDir(undefined, () =>
    assert.equal(adapterDirFor('student'), join(REPO_ROOT, 'models', 'adapter')),
  );
});

test('the adapter follows BRIDGEFACE_STUDENT_DIR: gallery and probe come from one training run', () => {
  const run = join('/srv', 'runs', 'r7');
  withStudentDir(join(run, 'student'), () => assert.equal(adapterDirFor('student'), join(run, 'adapter')));
});

test('a student given as a directory has its adapter beside it; the teacher has none', () => {
  assert.equal(adapterDirFor('artifacts/train/student'), resolve('artifacts/train/adapter'));
  assert.equal(adapterDirFor('teacher'), undefined);
});
