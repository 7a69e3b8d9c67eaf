import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '../src/store/file-store.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';
import { tinyConfigFile, tinyDataFile, trainTinyModel } from './helpers/train-tiny-model.ts';

/** Wrong input — a file for another model, numbers that are not numbers, misspelt task names — is an error (exit 2), never scored or trained in silence. */
describe('tandem with wrong input', () => {
  let dir: string;
  let store: string;
  let modelId: string;
  let datasetId: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-wrong-input-'));
    store = `file://${dir}/store`;
    ({ modelId, datasetId } = await trainTinyModel(new FileStore(path.join(dir, 'store'))));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const score = async (file: string, text: string, ...flags: string[]): Promise<{ code: number; stderr: string; out: string }> => {
    await writeFile(path.join(dir, file), text);
    const out = path.join(dir, `${file}.scores.csv`);
    const run = await runCliInProcess(['score', '--store', store, '--model', modelId, '--input', path.join(dir, file), '--out', out, ...flags]);
    return { code: run.code, stderr: run.stderr, out };
  };

  it('score refuses a file with none of the model feature columns, naming them, and writes nothing', async () => {
    const run = await score('telco.csv', 'customerID,gender,SeniorCitizen\n7590-VHVEG,Female,0\n5575-GNVDE,Male,0\n');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /telco\.csv: none of the model's 3 feature columns is present \(it reads "plan", "internet", "tenure"\)/);
    assert.match(run.stderr, /--allow-missing-features scores anyway/);
    await assert.rejects(access(run.out));
  });

  it('score refuses a file that lacks some feature columns; --allow-missing-features scores it with a warning', async () => {
    const text = 'customer_id,plan,tenure\nX1,plus,7\nX2,pro,14\n';
    const refused = await score('some.csv', text);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /some\.csv: 1 of the model's 3 feature columns are missing: "internet"; --allow-missing-features/);

    const allowed = await score('some.csv', text, '--allow-missing-features');
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /warning: .*some\.csv: 1 of the model's 3 feature columns are missing \("internet"\); they are imputed in every row/);
    assert.equal((await readFile(allowed.out, 'utf8')).trim().split('\n').length, 3);
  });

  it('ingest refuses Infinity in a feature, a 1e39 and an absurdly outlying 1e32 regression label naming file:line:column, and takes 1e9', async () => {
    const lines = (await readFile(tinyDataFile, 'utf8')).trim().split('\n');
    const withCell = async (file: string, line: number, column: number, value: string): Promise<{ code: number; stderr: string }> => {
      const edited = lines.map((text, i) => (i + 1 === line ? text.split(',').map((cell, c) => (c === column ? value : cell)).join(',') : text));
      await writeFile(path.join(dir, file), `${edited.join('\n')}\n`);
      return runCliInProcess(['ingest', '--config', tinyConfigFile, '--store', store, '--data', path.join(dir, file)]);
    };
    // Columns: customer_id, plan, internet, security, tenure (4), monthly (5, the spend label), note, churned.
    const infinite = await withCell('infinite.csv', 3, 4, 'Infinity');
    assert.equal(infinite.code, 2);
    assert.match(infinite.stderr, /infinite\.csv:3:tenure: numeric column "tenure" holds "Infinity", which is not a finite number/);
    const huge = await withCell('huge.csv', 4, 5, '1e39');
    assert.equal(huge.code, 2);
    assert.match(huge.stderr, /huge\.csv:4:monthly: task "spend": label column "monthly" holds "1e39", which is beyond ±3\.4e38/);
    const revenue = await withCell('revenue.csv', 4, 5, '1e9');
    assert.equal(revenue.code, 0, revenue.stderr);
    // Finite in float32, but 1e30 times the spread of monthly charges: a typing or unit error, not a customer.
    const absurd = await withCell('absurd.csv', 4, 5, '1e32');
    assert.equal(absurd.code, 2);
    assert.match(absurd.stderr, /absurd\.csv:4:monthly: task "spend": regression label column "monthly" holds 1e32, [0-9.]+e\+\d+ times the labels' typical spread/);
  });

  it('train refuses --task-weights naming no task, with the real tasks and the closest one', async () => {
    const message = /--task-weights: "chrun" is not a task \(tasks: churn, security_xsell, spend\); did you mean "churn"\?/;
    const fromConfig = await runCliInProcess(['train', '--config', tinyConfigFile, '--store', store, '--task-weights', 'chrun=2,spend=1', '--epochs', '1']);
    assert.equal(fromConfig.code, 2);
    assert.match(fromConfig.stderr, message);
    const fromDataset = await runCliInProcess(['train', '--dataset', datasetId, '--store', store, '--task-weights', 'chrun=2', '--epochs', '1']);
    assert.equal(fromDataset.code, 2);
    assert.match(fromDataset.stderr, message);
  });

  it('refuses a config whose selection.weights name no task, naming the field path', async () => {
    const config = JSON.parse(await readFile(tinyConfigFile, 'utf8')) as Record<string, unknown>;
    const file = path.join(dir, 'typo.config.json');
    await writeFile(file, JSON.stringify({ ...config, data: { ...(config.data as object), path: tinyDataFile }, selection: { weights: { chrun: 2 } } }));
    const run = await runCliInProcess(['ingest', '--config', file, '--store', store]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /selection\.weights\.chrun: "chrun" is not a task \(tasks: churn, security_xsell, spend\); did you mean "churn"\?/);
  });
});
