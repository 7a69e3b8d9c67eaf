import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { openDuckDbSession, sqlString } from '../src/data/events/duckdb-session.ts';
import { readTable } from '../src/data/read-table.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { measureBatchStability } from '../src/serve/batch-stability.ts';
import { scoreRows } from '../src/serve/score-rows.ts';
import { writeScores } from '../src/serve/write-scores.ts';
import { FileStore } from '../src/store/file-store.ts';
import { createS3Client } from '../src/store/s3-store.ts';
import { runCli } from '../cli/main.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';
import { startS3rver } from './helpers/start-s3rver.ts';
import { tinyDataFile, trainTinyModel } from './helpers/train-tiny-model.ts';

/** `tandem score` streams in chunks: the same bytes as the whole-table path, rejects on the side, no half-written output. */
describe('tandem score, streamed in chunks', () => {
  let dir: string;
  let store: string;
  let modelId: string;
  /** What the whole-table path (readTable → scoreRows → writeScores) writes for the fixture, by extension. */
  const reference: Record<string, Buffer> = {};
  let referenceStability: unknown;
  const score = (input: string, out: string, ...flags: string[]): ReturnType<typeof runCliInProcess> =>
    runCliInProcess(['score', '--store', store, '--model', modelId, '--input', input, '--out', out, '--chunk-rows', '7', ...flags]);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-score-stream-'));
    store = `file://${dir}/store`;
    const files = new FileStore(path.join(dir, 'store'));
    ({ modelId } = await trainTinyModel(files));
    const model = await loadModel(files, modelId);
    try {
      const table = await readTable(tinyDataFile);
      const predictions = await scoreRows(model, table.rows);
      const served = model.card.tasks.filter((task) => !task.auxiliary);
      for (const extension of ['csv', 'jsonl', 'parquet']) {
        const file = path.join(dir, `reference.${extension}`);
        await writeScores(file, predictions, served);
        reference[extension] = await readFile(file);
      }
      referenceStability = model.stability === undefined ? undefined : measureBatchStability(model.stability, table.rows, predictions);
    } finally {
      model.network.dispose();
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the same CSV, JSONL and Parquet bytes and the same stability as the whole-table path, over several chunks', async () => {
    for (const extension of ['csv', 'jsonl', 'parquet']) {
      const out = path.join(dir, `streamed.${extension}`);
      const run = await score(tinyDataFile, out, '--json');
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await readFile(out), reference[extension], extension);
      const json = JSON.parse(run.stdout) as { rows: number; rejected?: number; stability?: unknown };
      assert.equal(json.rows, 40);
      assert.equal(json.rejected, undefined);
      assert.deepEqual(json.stability, referenceStability);
    }
  });

  it('reads JSONL and Parquet input into the same scores as the CSV', async () => {
    const table = await readTable(tinyDataFile);
    const jsonl = path.join(dir, 'customers.jsonl');
    await writeFile(jsonl, table.rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const fromJsonl = path.join(dir, 'from-jsonl.csv');
    const jsonlRun = await score(jsonl, fromJsonl);
    assert.equal(jsonlRun.code, 0, jsonlRun.stderr);
    assert.deepEqual(await readFile(fromJsonl), reference.csv);

    const parquet = path.join(dir, 'customers.parquet');
    const session = await openDuckDbSession({ threads: 1 });
    try {
      // Typed columns (tenure and monthly numeric), as a warehouse export would have them.
      await session.connection.run(`COPY (SELECT * FROM read_csv(${sqlString(tinyDataFile)}, header = true)) TO ${sqlString(parquet)} (FORMAT parquet)`);
    } finally {
      await session.close();
    }
    const fromParquet = path.join(dir, 'from-parquet.csv');
    const parquetRun = await score(parquet, fromParquet);
    assert.equal(parquetRun.code, 0, parquetRun.stderr);
    assert.deepEqual(await readFile(fromParquet), reference.csv);
  });

  it('writes rows with an invalid cell or a wrong cell count to the rejects file, scores the rest and exits 2', async () => {
    const lines = (await readFile(tinyDataFile, 'utf8')).trim().split('\n');
    // Line 3: tenure is not a number; line 10: one cell too few; line 25 a stray extra cell.
    const edited = lines.map((text, i) => (i + 1 === 3 ? text.replace(/,14,/, ',fourteen,') : i + 1 === 10 ? text.slice(0, text.lastIndexOf(',')) : i + 1 === 25 ? `${text},x` : text));
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, `${edited.join('\n')}\n`);
    const out = path.join(dir, 'bad-scores.csv');
    const run = await score(bad, out, '--json');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /3 row\(s\) of .*bad\.csv could not be scored .*first at bad\.csv:3:tenure: must be a number, got "fourteen"/);
    const json = JSON.parse(run.stdout) as { rows: number; rejected: number; rejects: string };
    assert.deepEqual([json.rows, json.rejected, json.rejects], [37, 3, `${out}.rejects.csv`]);
    assert.equal(
      await readFile(`${out}.rejects.csv`, 'utf8'),
      'line,column,reason\n3,tenure,"must be a number, got ""fourteen"""\n10,,"expected 8 cells like the header, found 7"\n25,,"expected 8 cells like the header, found 9"\n',
    );
    // The other rows are scored exactly as in a clean file.
    const kept = (await readFile(out, 'utf8')).trim().split('\n');
    const all = reference.csv!.toString('utf8').trim().split('\n');
    assert.deepEqual(kept, all.filter((_, i) => i + 1 !== 3 && i + 1 !== 10 && i + 1 !== 25));
  });

  it('leaves no output, no rejects and no temporary file when the input fails part way or is binary', async () => {
    const lines = (await readFile(tinyDataFile, 'utf8')).trim().split('\n');
    const broken = path.join(dir, 'broken', 'unclosed.csv');
    await mkdir(path.dirname(broken), { recursive: true });
    // Chunks of 7 rows are written before line 30 opens a quote that never closes.
    await writeFile(broken, `${lines.map((text, i) => (i + 1 === 30 ? text.replace('note', '"note') : text)).join('\n')}\n`);
    const out = path.join(dir, 'broken', 'scores.csv');
    const run = await score(broken, out);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /unclosed\.csv:30: a quoted field opened on this line is never closed/);

    const gzip = path.join(dir, 'broken', 'archive.csv');
    await writeFile(gzip, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
    const binary = await score(gzip, out);
    assert.equal(binary.code, 2);
    assert.match(binary.stderr, /archive\.csv is not a text CSV file \(it looks binary: gzip/);

    const wrongHeader = path.join(dir, 'broken', 'header.csv');
    await writeFile(wrongHeader, `customer_id,plan,plan,tenure\nX1,a,b,3\n`);
    assert.equal((await score(wrongHeader, out)).code, 2);
    await assert.rejects(access(out));
    assert.deepEqual((await readdir(path.dirname(out))).sort(), ['archive.csv', 'header.csv', 'unclosed.csv']);
  });

  it('stops on Ctrl-C (checked before each chunk) with exit 130 and leaves no output', async () => {
    const out = path.join(dir, 'stopped', 'scores.csv');
    await mkdir(path.dirname(out), { recursive: true });
    let stderr = '';
    const never = new Promise<void>(() => undefined);
    const code = await runCli(['score', '--store', store, '--model', modelId, '--input', tinyDataFile, '--out', out, '--chunk-rows', '7'], {
      stdout: () => undefined,
      stderr: (text) => {
        stderr += text;
      },
      interactive: false,
      env: {},
      stopped: never,
      // Ctrl-C came while the model loaded: the scorer stops at its first check.
      stopSignals: { stopped: never, takeOver: () => ({ signal: AbortSignal.abort('SIGINT'), onForcedExit: () => () => undefined }) },
    });
    assert.equal(code, 130, stderr);
    assert.deepEqual(await readdir(path.dirname(out)), []);
  });

  it('reads its input from s3:// and writes scores and rejects to s3://', async () => {
    const server = await startS3rver(path.join(dir, 's3rver'), ['batch']);
    const env = { TANDEM_S3_ENDPOINT: server.clientConfig.endpoint as string, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, region: process.env.AWS_REGION };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
    const client = createS3Client(server.clientConfig);
    try {
      const text = await readFile(tinyDataFile, 'utf8');
      await client.send(new PutObjectCommand({ Bucket: 'batch', Key: 'in/customers.csv', Body: text.replace('C002,pro,DSL,No,14,', 'C002,pro,DSL,No,abc,') }));
      const run = await runCliInProcess(['score', '--store', store, '--model', modelId, '--input', 's3://batch/in/customers.csv', '--out', 's3://batch/out/scores.csv', '--json'], env);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /customers\.csv:3:tenure/);
      const read = async (key: string): Promise<string> => (await (await client.send(new GetObjectCommand({ Bucket: 'batch', Key: key }))).Body?.transformToString()) ?? '';
      const all = reference.csv!.toString('utf8').trim().split('\n');
      assert.equal(await read('out/scores.csv'), `${all.filter((_, i) => i !== 2).join('\n')}\n`);
      assert.match(await read('out/scores.csv.rejects.csv'), /^line,column,reason\n3,tenure,/);
      // A warehouse export in Parquet (written by the Parquet input test above) is read from s3:// too.
      await client.send(new PutObjectCommand({ Bucket: 'batch', Key: 'in/customers.parquet', Body: await readFile(path.join(dir, 'customers.parquet')) }));
      const parquetRun = await runCliInProcess(['score', '--store', store, '--model', modelId, '--input', 's3://batch/in/customers.parquet', '--out', 's3://batch/out/from-parquet.csv'], env);
      assert.equal(parquetRun.code, 0, parquetRun.stderr);
      assert.equal(await read('out/from-parquet.csv'), reference.csv!.toString('utf8'));
    } finally {
      client.destroy();
      await server.stop();
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret], ['AWS_REGION', saved.region]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
