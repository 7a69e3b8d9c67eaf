import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { trialWorkerCommand } from '../../cli/trial-worker-command.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { TandemError } from '../../src/errors/tandem-error.ts';
import { selectBackend } from '../../src/model/backend.ts';
import type { LeaderboardRow } from '../../src/search/run-record.ts';
import { runTrialProcess } from '../../src/search/trial-process.ts';
import { FileStore } from '../../src/store/file-store.ts';
import { renderWorkflowDefinition } from '../../workflows/render-definition.ts';
import { runWorkflowLocally } from '../../workflows/run-locally.ts';
import { workflowStateNames as names } from '../../workflows/tandem-workflow.ts';
import { runCliInProcess } from '../helpers/run-cli-in-process.ts';
import { tinyWorkflowConfig } from '../helpers/tiny-workflow-config.ts';


describe('tandem run: the workflow definition executed locally', () => {
  let dir: string;
  let configFile: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-run-'));
    configFile = path.join(dir, 'tandem.config.json');
    await writeFile(configFile, JSON.stringify(tinyWorkflowConfig({ linearTrial: false })));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('runs measure → ingest (Lambda: small input) → plan → ASHA rungs (Batch trials as worker processes) → select → promote → notify and ends with a champion', async () => {
    const storeDir = path.join(dir, 'cli-store');
    const { code, stdout, stderr } = await runCliInProcess(['run', '--config', configFile, '--store', `file://${storeDir}`, '--trials', '2', '--parallel', '2', '--json']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { runId: string; championId: string | null; promoted: boolean; states: string[] };
    assert.equal(result.promoted, true);
    assert.ok(result.championId !== null);
    const pointer = JSON.parse(await readFile(path.join(storeDir, 'champions', 'fixture.json'), 'utf8')) as { modelId: string };
    assert.equal(pointer.modelId, result.championId);
    // Two rungs: the Map runs twice, the Choice loops back once.
    assert.equal(result.states.filter((state) => state === names.rungTrials).length, 2);
    assert.deepEqual(result.states.slice(0, 6), [names.measureRawInput, names.chooseIngestRunner, names.ingest, names.plan, names.chooseRungMap, names.rungTrials]);
    assert.ok(!result.states.includes(names.rungTrialsDistributed), 'rungs of 4 and 1 trials stay below distributedMapMinTrials (40)');
    assert.ok(!result.states.includes(names.ingestOnBatch), 'a tiny input stays below batchIngestMinBytes');
    // No `scoring` in the config: the rescoring plan finds no part, and the run goes on to notify.
    assert.deepEqual(result.states.slice(-6), [names.select, names.promote, names.chooseRescoring, names.planRescoring, names.chooseRescoreParts, names.notify]);
    assert.equal(result.states.filter((state) => state === names.runTrial).length, 5, 'baseline, default recipe and 2 sampled at rung 0, the best sampled one promoted to rung 1');
    const run = JSON.parse(await readFile(path.join(storeDir, 'runs', result.runId, 'run.json'), 'utf8')) as { status: string; bestTrialId: string | null };
    assert.equal(run.status, 'completed');
    const leaderboard = JSON.parse(await readFile(path.join(storeDir, 'runs', result.runId, 'leaderboard.json'), 'utf8')) as LeaderboardRow[];
    assert.deepEqual(leaderboard.map((row) => row.status).sort(), ['completed', 'completed', 'completed', 'pruned']);
  });

  it('search.ensembleFolds: the closing\'s plan sends the fold copies through the rung Map as Batch trials, then select averages them', async () => {
    const storeDir = path.join(dir, 'folds-store');
    const foldsConfig = path.join(dir, 'folds.config.json');
    await writeFile(foldsConfig, JSON.stringify(tinyWorkflowConfig({ ensembleTopK: 3, ensembleFolds: 2 })));
    const { code, stdout, stderr } = await runCliInProcess(['run', '--config', foldsConfig, '--store', `file://${storeDir}`, '--trials', '2', '--parallel', '2', '--json']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { runId: string; states: string[] };
    const run = JSON.parse(await readFile(path.join(storeDir, 'runs', result.runId, 'run.json'), 'utf8')) as { ensemble?: { folds?: number } };
    assert.equal(run.ensemble?.folds, 2, 'the closing judged its trials out of fold');
    const trials = await readdir(path.join(storeDir, 'runs', result.runId, 'trials'));
    const copied = (await Promise.all(trials.map(async (trial) => ((await readdir(path.join(storeDir, 'runs', result.runId, 'trials', trial))).includes('folds-2') ? [trial] : [])))).flat();
    assert.ok(copied.length >= 2, `fold copies of several trials: ${copied.join(', ')}`);
    // Rungs of 5 and 1 trials (with the linear trial), then one more pass of the Map for the 2 copies of each trial.
    assert.equal(result.states.filter((state) => state === names.runTrial).length, 6 + 2 * copied.length);
    // Top-level states only (the Map's iterations interleave theirs): the last rung, the plan, the copies' pass, select.
    const top = result.states.filter((state) => state !== names.runTrial);
    const fromLastRung = top.slice(top.indexOf(names.planClosing) - 4);
    assert.deepEqual(fromLastRung.slice(0, 12), [
      names.chooseRungMap, names.rungTrials, names.promoteRung, names.moreRungs, names.planClosing, names.anyFoldCopies,
      names.chooseRungMap, names.rungTrials, names.promoteRung, names.moreRungs, names.planClosing, names.anyFoldCopies,
    ]);
    assert.equal(fromLastRung[12], names.select, 'the second plan finds every copy trained');
  });

  it('executes exactly the rendered definition; ingests on Batch when the input reaches batchIngestMinBytes; runs a rung of distributedMapMinTrials in the Distributed Map; a trial that fails twice is retried, caught, recorded as failed, and the run completes', async () => {
    const store = new FileStore(path.join(dir, 'local-store'));
    const { config } = await loadConfig(configFile);
    await selectBackend();
    const worker = trialWorkerCommand(store.uri, undefined);
    let t001Attempts = 0;
    const { definition, output, states } = await runWorkflowLocally({
      store,
      // Threshold 0: every input goes to the CPU Batch ingest job (here: its code in-process, on its container overrides).
      input: { config, overrides: { trials: 2, parallel: 3, batchIngestMinBytes: 0 } },
      maxConcurrency: 3,
      // Rung 0 (baseline, default recipe, 2 sampled) reaches 4 trials: the Distributed Map; rung 1 (the one promoted): the inline Map.
      distributedMapMinTrials: 3,
      launchTrial: async (spec) => {
        if (spec.trialId === 't001') {
          t001Attempts++;
          throw Object.assign(new TandemError(`trial t001 exited with status 1: forced failure ${t001Attempts}`), { name: 'TrialProcessError' });
        }
        await runTrialProcess(spec, worker);
      },
    });
    assert.deepEqual(definition, renderWorkflowDefinition({ maxConcurrency: 3, distributedMapMinTrials: 3 }));
    assert.deepEqual(states.slice(0, 5), [names.measureRawInput, names.chooseIngestRunner, names.ingestOnBatch, names.readIngestResult, names.plan]);
    assert.ok(!states.includes(names.ingest));
    // The Batch job left its result under the execution's name; the read-back step handed it to plan.
    const [resultFile, ...others] = await readdir(path.join(store.root, 'datasets', 'ingest-results'));
    assert.deepEqual(others, []);
    assert.match(resultFile ?? '', /^local-[\w-]+\.json$/);
    const ingested = JSON.parse(await readFile(path.join(store.root, 'datasets', 'ingest-results', resultFile as string), 'utf8')) as { datasetId: string };
    const run = JSON.parse(await readFile(path.join(store.root, 'runs', output.runId, 'run.json'), 'utf8')) as { datasetId: string };
    assert.equal(run.datasetId, ingested.datasetId);
    assert.equal(t001Attempts, 2, 'the Retry on a crashed trial runs it once more');
    assert.deepEqual(states.filter((state) => state === names.rungTrials || state === names.rungTrialsDistributed), [names.rungTrialsDistributed, names.rungTrials]);
    assert.equal(states.filter((state) => state === names.runTrialDistributed).length, 4);
    assert.equal(states.filter((state) => state === names.runTrial).length, 1);
    assert.ok(states.includes(names.trialFailedDistributed));
    assert.equal(output.promoted, true);
    const leaderboard = JSON.parse(await readFile(path.join(store.root, 'runs', output.runId, 'leaderboard.json'), 'utf8')) as LeaderboardRow[];
    const t001 = leaderboard.find((row) => row.trialId === 't001');
    assert.equal(t001?.status, 'failed');
    assert.match(t001.error ?? '', /TrialProcessError: trial t001 exited with status 1: forced failure 2/);
    assert.ok(leaderboard.some((row) => !row.baseline && row.defaultRecipe !== true && row.status === 'completed'), 'a sampled trial went on to the top rung');
  });
});
