import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LeaderboardRow } from '../src/search/run-record.ts';
import type { StoredRun, TrialLogEvent } from '../src/search/stored-run.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';
import { environmentWithoutTandem } from './helpers/run-process.ts';
import { tinyConfigFile } from './helpers/train-tiny-model.ts';

const root = path.resolve(import.meta.dirname, '..');

/** Polls `check` every 100 ms until it returns a value (not undefined) or `ms` pass; then that value, or undefined. */
async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T | undefined> {
  for (const until = Date.now() + ms; ; ) {
    const value = await check();
    if (value !== undefined || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The `tandem trial` worker processes that `pid` started (their pids), from `ps` (tsx's esbuild service is not one). */
function trialWorkersOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => / trial --store /.test(line))
      .map((line) => Number.parseInt(line.trim(), 10))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

/** Whether `pid` is a live process (a zombie, exited and waiting to be reaped, is not). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('tandem search: SIGTERM and Ctrl-C', { skip: process.platform !== 'linux' && 'needs ps --ppid and /proc' }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-interrupt-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints the run id first; SIGTERM stops the trial workers within 5 s, leaves the run interrupted with the resume command and exits 143; --resume completes it', async () => {
    const storeDir = path.join(dir, 'store');
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), path.join(root, 'bin/tandem.ts'), 'search', '--config', tinyConfigFile, '--store', storeDir, '--strategy', 'random', '--trials', '3', '--parallel', '2', '--seed', '5'],
      { stdio: ['ignore', 'ignore', 'pipe'], env: environmentWithoutTandem() },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const pid = child.pid as number;
    try {
      // Both workers of --parallel 2 running.
      const workers = await waitFor(() => {
        const found = trialWorkersOf(pid);
        return found.length >= 2 ? found : undefined;
      }, 120_000);
      assert.ok(workers !== undefined, `two trial workers started; stderr:\n${stderr}`);
      const runId = /^search run (\S+):/.exec(stderr)?.[1];
      assert.ok(runId !== undefined, `the first line on stderr names the run: ${stderr}`);
      assert.ok(stderr.indexOf(`search run ${runId}`) < stderr.indexOf(' started'), 'before any trial starts');

      child.kill('SIGTERM');
      const stoppedAt = Date.now();
      const left = await waitFor(() => (workers.some(isAlive) ? undefined : []), 5000);
      assert.deepEqual(left, [], `no worker of the run is left ${Date.now() - stoppedAt} ms after SIGTERM: ${workers.filter(isAlive).join(', ')}`);
      const code = await exited;
      assert.equal(code, 143, stderr);
      assert.match(stderr, new RegExp(`search --resume ${runId}`), 'the resume command is printed');

      const runFolder = path.join(storeDir, 'runs', runId);
      const run = JSON.parse(await readFile(path.join(runFolder, 'run.json'), 'utf8')) as StoredRun;
      assert.equal(run.status, 'interrupted');
      const log = JSON.parse(await readFile(path.join(runFolder, 'trial-log.json'), 'utf8')) as TrialLogEvent[];
      assert.ok(log.some((event) => event.event === 'interrupted'), 'the stopped trials are logged as interrupted');
      assert.ok(!log.some((event) => event.event === 'failed'), 'a trial stopped with the search did not fail');
      const leaderboard = JSON.parse(await readFile(path.join(runFolder, 'leaderboard.json'), 'utf8')) as LeaderboardRow[];
      const interrupted = leaderboard.filter((row) => row.status === 'interrupted').map((row) => row.trialId);
      assert.ok(interrupted.length >= 1, 'interrupted rows on the leaderboard');
      assert.ok(!log.some((event) => event.event === 'launched' && event.at > new Date(stoppedAt).toISOString()), 'no trial started after SIGTERM');

      // The report reads an interrupted run.
      const report = await runCliInProcess(['report', '--store', storeDir, '--run', runId, '--json']);
      assert.equal(report.code, 0, report.stderr);

      const resumedAt = new Date().toISOString();
      const resumed = await runCliInProcess(['search', '--store', storeDir, '--resume', runId, '--json']);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, new RegExp(`^search run ${runId} resumed`));
      const result = JSON.parse(resumed.stdout) as { status: string; leaderboard: LeaderboardRow[] };
      assert.equal(result.status, 'completed');
      assert.equal(result.leaderboard.length, 6, 'the baseline, the default recipe, the linear model and the 3 trials');
      assert.ok(result.leaderboard.every((row) => row.status === 'completed'), JSON.stringify(result.leaderboard.map((row) => [row.trialId, row.status])));
      const relaunched = (JSON.parse(await readFile(path.join(runFolder, 'trial-log.json'), 'utf8')) as TrialLogEvent[])
        .filter((event) => event.event === 'launched' && event.at >= resumedAt)
        .map((event) => event.trialId);
      for (const trialId of interrupted) assert.ok(relaunched.includes(trialId), `${trialId}, interrupted, was trained again`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const worker of trialWorkersOf(pid)) process.kill(worker, 'SIGKILL');
    }
  });
});
