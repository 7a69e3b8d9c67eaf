import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../errors/not-found-error.ts';
import { WorkflowStepError } from '../errors/workflow-step-error.ts';
import { championKey } from '../registry/champion.ts';
import { startS3rver } from '../../test/helpers/start-s3rver.ts';
import { tinyDataFile, trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { openDuckDbSession, sqlString } from '../data/events/duckdb-session.ts';
import { FileStore } from '../store/file-store.ts';
import { S3Store } from '../store/s3-store.ts';
import { planRescoring, rescorePrefix, scoreRescorePart, writeRescoreManifest, type RescorePartResult } from './rescore-base.ts';
import { parseRescorePart, SCORE_PART_ENV_VAR } from './rescore-job.ts';

describe('rescoring a customer base: plan, parts, manifest', () => {
  let dir = '';
  let store: FileStore;
  const now = new Date('2026-03-04T05:06:07Z');
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-rescore-plan-'));
    store = new FileStore(path.join(dir, 'store'));
    await mkdir(path.join(dir, 'base'));
    for (const name of ['b.parquet', 'a.csv', 'c.jsonl', 'notes.txt']) await writeFile(path.join(dir, 'base', name), 'x\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lists the table files of a folder, sorted, one part each, with the given model pinned, and clears the day\'s old scores', async () => {
    await store.put('scores/shop/date=2026-03-04/part-00007.parquet', 'stale');
    await store.put('scores/shop/date=2026-03-03/part-00000.parquet', 'yesterday');
    const plan = await planRescoring(store, { project: 'shop', scoring: { input: path.join(dir, 'base'), partitionBySegment: false }, modelId: 'm1', now });
    assert.equal(plan.prefix, 'scores/shop/date=2026-03-04/');
    assert.deepEqual(plan.parts.map((part) => [path.basename(part.input), part.part, part.modelId, part.date]), [['a.csv', 0, 'm1', '2026-03-04'], ['b.parquet', 1, 'm1', '2026-03-04'], ['c.jsonl', 2, 'm1', '2026-03-04']]);
    assert.deepEqual(await store.list('scores/'), ['scores/shop/date=2026-03-03/part-00000.parquet']);
  });

  it('pins the project\'s champion when no model is given, and refuses without one, an empty base or too many parts', async () => {
    const scoring = { input: path.join(dir, 'base', 'a.csv'), partitionBySegment: true };
    await assert.rejects(planRescoring(store, { project: 'shop', scoring, now }), NotFoundError);
    // The pointer as SPEC §8 lays it out (promotion itself is tested in src/registry).
    await store.put(championKey('shop'), JSON.stringify({ modelId: 'champ-1', previousId: null, promotedAt: now.toISOString(), reason: 'test' }));
    const plan = await planRescoring(store, { project: 'shop', scoring, now });
    assert.deepEqual(plan.parts.map((part) => [part.modelId, part.partitionBySegment]), [['champ-1', true]]);
    await mkdir(path.join(dir, 'empty'));
    await assert.rejects(planRescoring(store, { project: 'shop', scoring: { input: path.join(dir, 'empty'), partitionBySegment: false }, modelId: 'm', now }), /no \.csv, \.jsonl, \.ndjson or \.parquet object/);
    const many = path.join(dir, 'many');
    await mkdir(many);
    await Promise.all(Array.from({ length: 1001 }, (_, i) => writeFile(path.join(many, `p${i}.csv`), 'x\n')));
    await assert.rejects(planRescoring(store, { project: 'shop', scoring: { input: many, partitionBySegment: false }, modelId: 'm', now }), WorkflowStepError);
  });

  it('writes the manifest from every part\'s result, and names a part that left none', async () => {
    const plan = await planRescoring(store, { project: 'shop', scoring: { input: path.join(dir, 'base'), partitionBySegment: false }, modelId: 'm1', now });
    const prefix = rescorePrefix('shop', '2026-03-04');
    for (const part of plan.parts.slice(0, 2)) {
      await store.put(`${prefix}_parts/part-0000${part.part}.json`, JSON.stringify({ part: part.part, input: part.input, rows: 10 + part.part, rejected: part.part, files: [] }));
    }
    await assert.rejects(writeRescoreManifest(store, plan, now), /part 2 \(.*c\.jsonl\) wrote no result/);
    await store.put(`${prefix}_parts/part-00002.json`, JSON.stringify({ part: 2, input: 'c', rows: 5, rejected: 0, files: [] }));
    const manifest = await writeRescoreManifest(store, plan, now);
    assert.equal(manifest.rows, 10 + 11 + 5);
    assert.equal(manifest.rejected, 1);
    assert.equal(JSON.parse((await store.get(`${prefix}_manifest.json`)).toString()).modelId, 'm1');
  });

  it('reads a part from the scoring job\'s container override and refuses anything else', () => {
    const part = { project: 'shop', modelId: 'm', date: '2026-03-04', input: 's3://b/k.csv', part: 3, partitionBySegment: false };
    assert.deepEqual(parseRescorePart(JSON.stringify(part)), part);
    assert.throws(() => parseRescorePart(undefined), new RegExp(`${SCORE_PART_ENV_VAR} is not set`));
    assert.throws(() => parseRescorePart('{'), /is not JSON/);
    assert.throws(() => parseRescorePart(JSON.stringify({ ...part, part: 'x' })), /is not a rescoring part/);
  });
});

describe('one rescoring part scored into an S3 store (s3rver): files streamed up, nothing read back into memory', () => {
  let dir = '';
  let stop: (() => Promise<void>) | undefined;
  let store: S3Store | undefined;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-rescore-s3-'));
    const server = await startS3rver(path.join(dir, 's3rver'), ['store']);
    stop = server.stop;
    store = new S3Store({ bucket: 'store', prefix: 'tandem', clientConfig: server.clientConfig });
  });
  after(async () => {
    store?.destroy();
    await stop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('puts the part\'s Parquet scores, its rejects and its result under scores/, with every row accounted for', async () => {
    const s3 = store as S3Store;
    const { modelId } = await trainTinyModel(s3);
    // Line 3 of the fixture gets a tenure that is not a number: one reject, the other 39 rows scored.
    const lines = (await readFile(tinyDataFile, 'utf8')).trim().split('\n');
    const input = path.join(dir, 'base.csv');
    await writeFile(input, `${lines.map((text, i) => (i + 1 === 3 ? text.replace(/,14,/, ',fourteen,') : text)).join('\n')}\n`);
    const part = { project: 'fixture', modelId, date: '2026-03-04', input, part: 0, partitionBySegment: false };
    const result = await scoreRescorePart(s3, part, { chunkRows: 16, tempRoot: dir });
    const prefix = rescorePrefix('fixture', '2026-03-04');
    assert.deepEqual([result.rows, result.rejected], [39, 1]);
    assert.deepEqual(await s3.list(prefix), [`${prefix}_parts/part-00000.json`, `${prefix}_rejects/part-00000.csv`, `${prefix}part-00000.parquet`].sort());
    assert.deepEqual(JSON.parse((await s3.get(`${prefix}_parts/part-00000.json`)).toString()) as RescorePartResult, result);
    assert.match((await s3.get(`${prefix}_rejects/part-00000.csv`)).toString(), /^line,column,reason\n3,tenure,/);
    const local = path.join(dir, 'downloaded.parquet');
    await writeFile(local, await s3.get(`${prefix}part-00000.parquet`));
    const session = await openDuckDbSession({ threads: 1 });
    try {
      const rows = (await session.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids FROM read_parquet(${sqlString(local)})`)).getRowObjectsJS();
      assert.deepEqual(rows, [{ n: 39, ids: 39 }]);
    } finally {
      await session.close();
    }
  });
});
