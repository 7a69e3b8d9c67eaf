import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';

const config = path.resolve('test/fixtures/events/shop.config.json');
const raw = path.resolve('test/fixtures/events/shop');

describe('events mode through the CLI', () => {
  let dir: string;
  let store: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-events-cli-'));
    store = `file://${dir}/store`;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('ingests raw logs with the built-in tasks, trains, and scores straight from logs like from the feature table', async () => {
    const ingest = await runCliInProcess(['ingest', '--config', config, '--store', store, '--json']);
    assert.equal(ingest.code, 0, ingest.stderr);
    const dataset = JSON.parse(ingest.stdout) as { tasks: Record<string, { labelled: number }>; quarantined: number };
    assert.deepEqual(Object.keys(dataset.tasks), ['purchase_intent', 'churn', 'cross_sell']);
    assert.ok(dataset.tasks.churn!.labelled <= dataset.tasks.purchase_intent!.labelled);

    const train = await runCliInProcess(['train', '--config', config, '--store', store, '--epochs', '3', '--json']);
    assert.equal(train.code, 0, train.stderr);
    const { modelId } = JSON.parse(train.stdout) as { modelId: string };

    const features = path.join(dir, 'features.csv');
    const built = await runCliInProcess(['features', '--store', store, '--model', modelId, '--raw', raw, '--cutoff', '2024-06-01', '--out', features, '--json']);
    assert.equal(built.code, 0, built.stderr);
    assert.equal((JSON.parse(built.stdout) as { cutoff: string }).cutoff, '2024-06-01');
    const latest = await runCliInProcess(['features', '--raw', raw, '--cutoff', 'auto', '--out', path.join(dir, 'latest.csv'), '--json']);
    assert.equal(latest.code, 0, latest.stderr);
    assert.match((JSON.parse(latest.stdout) as { cutoff: string }).cutoff, /^\d{4}-\d{2}-\d{2}$/, 'auto resolves to the day after the last event');
    const header = (await readFile(features, 'utf8')).split('\n')[0]!.split(',');
    assert.equal(header[0], 'customer_id');
    for (const label of ['purchase_intent', 'churn', 'cross_sell']) assert.ok(!header.includes(label), `${label} is not a feature`);

    const fromRaw = path.join(dir, 'from-raw.jsonl');
    const fromTable = path.join(dir, 'from-table.jsonl');
    assert.equal((await runCliInProcess(['score', '--store', store, '--model', modelId, '--raw', raw, '--cutoff', '2024-06-01', '--out', fromRaw])).code, 0);
    assert.equal((await runCliInProcess(['score', '--store', store, '--model', modelId, '--input', features, '--out', fromTable])).code, 0);
    const a = (await readFile(fromRaw, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const b = (await readFile(fromTable, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(a.length, b.length);
    a.forEach((row, i) => {
      assert.equal(row.id, b[i]!.id);
      assert.ok(Math.abs((row.purchase_intent as number) - (b[i]!.purchase_intent as number)) < 1e-6);
    });
  });

  it('refuses --raw for a table-mode model and a missing cutoff, naming the flag', async () => {
    const noCutoff = await runCliInProcess(['features', '--raw', raw, '--out', path.join(dir, 'x.csv')]);
    assert.equal(noCutoff.code, 2);
    assert.match(noCutoff.stderr, /--cutoff/);
    const table = await runCliInProcess(['train', '--config', path.resolve('test/fixtures/customers.config.json'), '--store', store, '--epochs', '1', '--json']);
    const { modelId } = JSON.parse(table.stdout) as { modelId: string };
    const refused = await runCliInProcess(['score', '--store', store, '--model', modelId, '--raw', raw, '--cutoff', '2024-06-01', '--out', path.join(dir, 'y.csv')]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /trained on a table/);
  });
});
