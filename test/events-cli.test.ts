import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createS3Client } from '../src/store/s3-store.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';
import { startS3rver } from './helpers/start-s3rver.ts';

const config = path.resolve('test/fixtures/events/shop.config.json');
const raw = path.resolve('test/fixtures/events/shop');

/**
 * Two CSV texts with the same cells, numbers equal to 1e-9 relative: DuckDB sums in parallel, so a sum's last bits
 * may differ from one build of the same logs to the next.
 */
function assertSameTable(actual: string, expected: string): void {
  const cells = (text: string): string[][] => text.trim().split('\n').map((line) => line.split(','));
  const [a, b] = [cells(actual), cells(expected)];
  assert.equal(a.length, b.length);
  a.forEach((row, r) => {
    assert.equal(row.length, b[r]!.length);
    row.forEach((cell, c) => {
      const other = b[r]![c]!;
      const [x, y] = [Number(cell), Number(other)];
      if (cell === other || (cell !== '' && other !== '' && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)))) return;
      assert.fail(`row ${r + 1}, column ${c + 1}: ${cell} ≠ ${other}`);
    });
  });
}

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
    // Without --model, an events config's topCategories sets the per-category columns (here 1, plus `other`).
    const oneCategory = path.join(dir, 'one-category.config.json');
    const fixture = JSON.parse(await readFile(config, 'utf8')) as { data: Record<string, unknown> };
    const absolute = (file: unknown): string => path.resolve(path.dirname(config), String(file));
    await writeFile(oneCategory, JSON.stringify({ ...fixture, data: { ...fixture.data, customers: absolute(fixture.data.customers), sessions: absolute(fixture.data.sessions), orders: absolute(fixture.data.orders), topCategories: 1 } }));
    const configured = path.join(dir, 'configured.csv');
    assert.equal((await runCliInProcess(['features', '--config', oneCategory, '--raw', raw, '--cutoff', '2024-06-01', '--out', configured])).code, 0);
    const categoryColumns = (file: string): Promise<string[]> => readFile(file, 'utf8').then((text) => text.split('\n')[0]!.split(',').filter((column) => /^cat_.*_orders$/.test(column)));
    assert.equal((await categoryColumns(configured)).length, 2, 'one category of its own and other');
    assert.ok((await categoryColumns(features)).length > 2, "the model's columns: the default 8 categories");
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

  it('builds features and scores from logs and tables in S3 exactly as from local files', async () => {
    const server = await startS3rver(path.join(dir, 's3rver'), ['raw']);
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, region: process.env.AWS_REGION };
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    process.env.AWS_REGION = 'us-east-1';
    const env = { TANDEM_S3_ENDPOINT: `http://127.0.0.1:${server.port}` };
    const client = createS3Client(server.clientConfig);
    try {
      for (const name of await readdir(raw)) {
        await client.send(new PutObjectCommand({ Bucket: 'raw', Key: `shop/${name}`, Body: await readFile(path.join(raw, name)) }));
      }
      const train = await runCliInProcess(['train', '--config', config, '--store', store, '--epochs', '1', '--json']);
      assert.equal(train.code, 0, train.stderr);
      const { modelId } = JSON.parse(train.stdout) as { modelId: string };

      const local = path.join(dir, 'local-features.csv');
      const remote = path.join(dir, 's3-features.csv');
      const featureArgs = ['features', '--store', store, '--model', modelId, '--cutoff', '2024-06-01'];
      assert.equal((await runCliInProcess([...featureArgs, '--raw', raw, '--out', local])).code, 0);
      const fromS3 = await runCliInProcess([...featureArgs, '--raw', 's3://raw/shop/', '--out', remote], env);
      assert.equal(fromS3.code, 0, fromS3.stderr);
      assertSameTable(await readFile(remote, 'utf8'), await readFile(local, 'utf8'));

      await client.send(new PutObjectCommand({ Bucket: 'raw', Key: 'tables/features.csv', Body: await readFile(local) }));
      const scoreArgs = ['score', '--store', store, '--model', modelId];
      const scores = async (args: string[], out: string): Promise<string> => {
        const run = await runCliInProcess([...scoreArgs, ...args, '--out', path.join(dir, out)], env);
        assert.equal(run.code, 0, run.stderr);
        return readFile(path.join(dir, out), 'utf8');
      };
      assert.equal(await scores(['--input', 's3://raw/tables/features.csv'], 's3-table.csv'), await scores(['--input', local], 'local-table.csv'));
      assertSameTable(await scores(['--raw', 's3://raw/shop', '--cutoff', '2024-06-01'], 's3-raw.csv'), await scores(['--raw', raw, '--cutoff', '2024-06-01'], 'local-raw.csv'));

      const missing = await runCliInProcess([...featureArgs, '--raw', 's3://raw/nowhere', '--out', path.join(dir, 'z.csv')], env);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /--raw s3:\/\/raw\/nowhere: no customers, sessions, orders log/);
    } finally {
      client.destroy();
      await server.stop();
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret], ['AWS_REGION', saved.region]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
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
