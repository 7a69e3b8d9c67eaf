import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';

const config = path.resolve('test/fixtures/customers.config.json');
const data = path.resolve('test/fixtures/customers.csv');

describe('tandem CLI', () => {
  let dir: string;
  let store: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-cli-'));
    store = `file://${dir}/store`;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints help for the CLI and for each command', async () => {
    const main = await runCliInProcess(['--help']);
    assert.equal(main.code, 0);
    for (const name of ['ingest', 'train', 'score', 'promote', 'rollback']) {
      assert.match(main.stdout, new RegExp(`\\b${name}\\b`));
      const help = await runCliInProcess([name, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Flags:/);
    }
  });

  it('exits 2 naming the flag for unknown commands, unknown flags and bad values', async () => {
    assert.equal((await runCliInProcess(['fly'])).code, 2);
    const unknown = await runCliInProcess(['train', '--bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--bogus/);
    const bad = await runCliInProcess(['train', '--config', config, '--store', store, '--dropout', 'lots']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--dropout/);
    const noConfig = await runCliInProcess(['ingest', '--config', path.join(dir, 'missing.json')]);
    assert.equal(noConfig.code, 2);
  });

  it('ingests, trains, promotes, scores and rolls back with one JSON document on stdout each', async () => {
    const ingest = await runCliInProcess(['ingest', '--config', config, '--store', store, '--json']);
    assert.equal(ingest.code, 0, ingest.stderr);
    const dataset = JSON.parse(ingest.stdout) as { datasetId: string; rows: number; tasks: Record<string, { labelled: number }> };
    assert.equal(dataset.rows, 40);
    assert.ok(dataset.tasks.security_xsell!.labelled < 40, 'the when-mask removes labels');

    const trainArgs = ['train', '--dataset', dataset.datasetId, '--store', store, '--epochs', '2', '--shared-units', '8', '--tower-units', '4', '--json'];
    const first = JSON.parse((await runCliInProcess(trainArgs)).stdout) as {
      modelId: string;
      backend: string;
      metrics: { test: { tasks: Record<string, unknown> } };
      epochsRun: number;
      taskWeightHistory: { epoch: number; weights: Record<string, number> }[];
      diagnostics: { gradientCosine: { epoch: number; pairs: Record<string, number> }[]; labelCorrelation: Record<string, number> };
    };
    assert.ok(['wasm', 'cpu', 'tensorflow'].includes(first.backend));
    assert.deepEqual(Object.keys(first.metrics.test.tasks), ['churn', 'security_xsell', 'spend']);
    assert.deepEqual(first.taskWeightHistory.map((entry) => entry.epoch), Array.from({ length: first.epochsRun }, (_, i) => i + 1), 'one weight entry per epoch');
    assert.deepEqual(Object.keys(first.taskWeightHistory[0]!.weights), ['churn', 'security_xsell', 'spend']);
    assert.equal(first.diagnostics.gradientCosine.length, first.epochsRun, 'shared-bottom shares parameters: cosines every epoch');
    assert.equal(typeof first.diagnostics.labelCorrelation['churn|spend'], 'number');
    const second = JSON.parse((await runCliInProcess([...trainArgs, '--arch', 'single'])).stdout) as { modelId: string };

    const noChampion = await runCliInProcess(['score', '--store', store, '--input', data, '--out', path.join(dir, 'x.csv')]);
    assert.equal(noChampion.code, 2);
    assert.match(noChampion.stderr, /no champion/);

    const promoteRun = await runCliInProcess(['promote', '--store', store, '--model', first.modelId, '--json']);
    assert.equal(promoteRun.code, 0, promoteRun.stderr);
    const promote = JSON.parse(promoteRun.stdout) as Record<string, unknown>;
    // No config: the project is the model card's name (the fixture config's).
    assert.deepEqual({ ...promote, reason: undefined }, { project: 'fixture', championId: first.modelId, previousId: null, promoted: true, reason: undefined });
    // The champion/challenger rules on the same test rows; the verdict must follow from the reported AUC changes.
    const ruledRun = await runCliInProcess(['promote', '--store', store, '--model', second.modelId, '--json']);
    const ruled = JSON.parse(ruledRun.stdout) as {
      promoted: boolean;
      reason: string;
      comparison: { aucChanges: Record<string, number>; championScore: number; challengerScore: number };
    };
    assert.deepEqual(Object.keys(ruled.comparison.aucChanges).sort(), ['churn', 'security_xsell', 'spend']);
    const dropped = Object.entries(ruled.comparison.aucChanges).filter(([, change]) => change < -0.01);
    const gain = ruled.comparison.challengerScore - ruled.comparison.championScore;
    assert.equal(ruled.promoted, dropped.length === 0 && gain >= 0.002, ruled.reason);
    // Exit 0 when promoted, 3 when the rules kept the champion (the JSON is printed either way).
    assert.equal(ruledRun.code, ruled.promoted ? 0 : 3, ruledRun.stderr);
    for (const [task] of dropped) assert.match(ruled.reason, new RegExp(task));
    if (!ruled.promoted) await runCliInProcess(['promote', '--store', store, '--model', second.modelId, '--force']);

    const out = path.join(dir, 'scores.csv');
    const score = await runCliInProcess(['score', '--store', store, '--input', data, '--out', out, '--json']);
    assert.equal(score.code, 0, score.stderr);
    const { stability, ...scored } = JSON.parse(score.stdout) as { stability?: { features: object; scores: object; warnings: unknown[] } };
    assert.deepEqual(scored, { rows: 40, out, modelId: second.modelId });
    assert.deepEqual(Object.keys(stability?.scores ?? {}), ['churn', 'security_xsell', 'spend']);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    assert.equal(lines[0], 'id,churn,churn_decision,churn_decile,security_xsell,security_xsell_decision,security_xsell_decile,spend,spend_decision,spend_decile,segment');
    assert.equal(lines.length, 41);
    assert.match(lines[1]!, /^C001,/);

    const rollback = JSON.parse((await runCliInProcess(['rollback', '--store', store, '--json'])).stdout) as { championId: string };
    assert.equal(rollback.championId, first.modelId);
  });

  it('rejects a score input with a non-numeric cell in a numeric column, naming file, line and column', async () => {
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, 'customer_id,tenure,plan\nX1,7,plus\nX2,abc,pro\n');
    const { code, stderr } = await runCliInProcess(['score', '--store', store, '--model', 'champion', '--input', bad, '--out', path.join(dir, 'bad-out.csv')]);
    assert.equal(code, 2);
    assert.match(stderr, /bad\.csv:3:tenure/);
  });
});
