import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRunProgress } from '../../cli/run-progress.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { InterruptedError } from '../../src/errors/interrupted-error.ts';
import type { LeaderboardRow } from '../../src/search/run-record.ts';
import type { StoredRun, TrialLogEvent } from '../../src/search/stored-run.ts';
import { FileStore } from '../../src/store/file-store.ts';
import { runWorkflowLocally } from '../../workflows/run-locally.ts';
import { runCliInProcess } from '../helpers/run-cli-in-process.ts';
import { tinyWorkflowConfig } from '../helpers/tiny-workflow-config.ts';


describe('tandem run: progress and interrupts', () => {
  let dir: string;
  let configFile: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-run-progress-'));
    configFile = path.join(dir, 'tandem.config.json');
    await writeFile(configFile, JSON.stringify(tinyWorkflowConfig({ linearTrial: false })));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints the run id before any trial, each state entered and succeeded with its duration, each trial result and a progress line (plain lines off a terminal)', async () => {
    const storeDir = path.join(dir, 'cli-store');
    const { code, stdout, stderr } = await runCliInProcess(['run', '--config', configFile, '--store', `file://${storeDir}`, '--trials', '1', '--parallel', '2', '--json']);
    assert.equal(code, 0, stderr);
    const { runId } = JSON.parse(stdout) as { runId: string };
    const lines = stderr.split('\n');
    const runLine = lines.findIndex((line) => line === `run ${runId}: a first rung of 3 trials (the fixed ones — the single baseline, and as configured the default recipe and the linear model — then the sampled)`);
    assert.ok(runLine >= 0, stderr);
    assert.ok(runLine < lines.findIndex((line) => / started: /.test(line)), 'the run id comes before any trial starts');
    for (const pattern of [
      /^state Ingest entered$/,
      /^state Ingest succeeded in \d+(\.\d)?s$/,
      /^state PlanTrials succeeded in /,
      /^state RungTrials entered: 3 trials$/,
      /^state RungTrials succeeded in /,
      /^state SelectWinner succeeded in /,
      /^t000 started: single, to epoch 2$/,
      /^t000 completed: single, validation combined score (\d\.\d{4}|n\/a), 2 epochs in /,
      /^t001 completed: shared-bottom, validation combined score (\d\.\d{4}|n\/a), 2 epochs in /,
      /^t002 (paused at its rung|completed): [a-z-]+, validation combined score (\d\.\d{4}|n\/a), 1 epoch in /,
      /^progress: trials 1\/3 done, \S+ elapsed, about \S+ left \(run /,
      /^progress: trials 3\/3 done, /,
    ]) {
      assert.ok(lines.some((line) => pattern.test(line)), `a line matching ${pattern} in:\n${stderr}`);
    }
    assert.ok(!stderr.includes('\r'), 'no rewritten lines off a terminal');
  });

  it('on a terminal the progress is one line, rewritten in place above which the other lines go', () => {
    let written = '';
    let clock = 0;
    const progress = createRunProgress({ interactive: true, log: (line) => (written += `${line}\n`), writeProgress: (text) => (written += text) }, () => clock);
    progress.onRun({ runId: 'r1', trials: 3 });
    progress.onState({ kind: 'entered', state: 'RungTrials', type: 'Map', items: 3 });
    progress.trialStarted('t000', 'single', 4);
    clock = 10_000;
    progress.trialFinished('t000', { state: 'completed', epochsDone: 4, validationScore: 0.8125 });
    progress.done();
    const expected = 't000 completed: single, validation combined score 0.8125, 4 epochs in 10s\n\rtrials 1/3 done, 10s elapsed, about 20s left (run r1)\u001b[K\n';
    assert.ok(written.endsWith(expected), JSON.stringify(written));
    assert.ok(!written.includes('progress: '), 'no plain progress lines on a terminal');
  });

  it('an aborted execution stops its trials, starts no more, marks the run and its stopped trials interrupted and rejects with InterruptedError naming the run', async () => {
    const store = new FileStore(path.join(dir, 'interrupt-store'));
    const { config } = await loadConfig(configFile);
    const stop = new AbortController();
    const launched: string[] = [];
    const run = runWorkflowLocally({
      store,
      input: { config, overrides: { trials: 2, parallel: 3 } },
      maxConcurrency: 3,
      signal: stop.signal,
      // A worker that trains until it is stopped.
      launchTrial: (spec, signal) =>
        new Promise((_resolve, reject) => {
          launched.push(spec.trialId);
          if (launched.length === 3) setImmediate(() => stop.abort('SIGTERM'));
          signal?.addEventListener('abort', () => setTimeout(() => reject(new Error(`trial ${spec.trialId} stopped`)), 50), { once: true });
        }),
    });
    const error = await run.then(
      () => assert.fail('resolved'),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof InterruptedError, String(error));
    assert.equal(error.exitCode, 143);
    assert.ok(error.runId !== null);
    assert.deepEqual([...launched].sort(), ['t000', 't001', 't002'], 'no trial started again after the stop');
    const folder = path.join(dir, 'interrupt-store', 'runs', error.runId);
    const stored = JSON.parse(await readFile(path.join(folder, 'run.json'), 'utf8')) as StoredRun;
    assert.equal(stored.status, 'interrupted');
    const leaderboard = JSON.parse(await readFile(path.join(folder, 'leaderboard.json'), 'utf8')) as LeaderboardRow[];
    // t003, planned in the rung but not started (the Map runs 3 at once), is interrupted too: nothing of the run runs.
    assert.deepEqual(leaderboard.map((row) => row.status), ['interrupted', 'interrupted', 'interrupted', 'interrupted']);
    const log = JSON.parse(await readFile(path.join(folder, 'trial-log.json'), 'utf8')) as TrialLogEvent[];
    assert.deepEqual(log.filter((event) => event.event === 'interrupted').map((event) => event.trialId).sort(), ['t000', 't001', 't002', 't003']);
  });
});
