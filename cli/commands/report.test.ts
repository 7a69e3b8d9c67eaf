import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '../../src/store/file-store.ts';
import { writeJson } from '../../src/store/json-object.ts';
import { runCliInProcess } from '../../test/helpers/run-cli-in-process.ts';

describe('tandem report', () => {
  let dir: string;
  let store: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-report-cli-'));
    store = `file://${dir}/store`;
    // A run that has just started: a record and no trials yet is enough to report on.
    await writeJson(new FileStore(path.join(dir, 'store')), 'runs/r1/run.json', { runId: 'r1', name: 'demo', strategy: 'asha', rungs: [3, 9], trials: 4, bestTrialId: null });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the report into the store and a local copy, and prints {report} with --json', async () => {
    const out = path.join(dir, 'copies', 'r1.html');
    const result = await runCliInProcess(['report', '--run', 'r1', '--store', store, '--out', out, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { report: string; key: string; out: string };
    assert.equal(json.key, 'runs/r1/report.html');
    assert.equal(json.report, path.join(dir, 'store', 'runs', 'r1', 'report.html'));
    assert.equal(json.out, out);
    const page = await readFile(json.report, 'utf8');
    assert.match(page, /Tandem run report/);
    assert.equal(await readFile(out, 'utf8'), page);
  });

  it('prints the path for people without --json', async () => {
    const result = await runCliInProcess(['report', '--run', 'r1', '--store', store]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /report: .*runs\/r1\/report\.html/);
  });

  it('exits 2 naming the problem for no --run, an unknown run and a bad id', async () => {
    const none = await runCliInProcess(['report', '--store', store]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--run RUNID/);
    const missing = await runCliInProcess(['report', '--run', 'r2', '--store', store, '--json']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /no run "r2"/);
    const bad = await runCliInProcess(['report', '--run', '../x', '--store', store]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid run id/);
  });

  it('is listed in the help', async () => {
    const help = await runCliInProcess(['report', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--run RUNID/);
    assert.match((await runCliInProcess(['--help'])).stdout, /\breport\b/);
  });
});
