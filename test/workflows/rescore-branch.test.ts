import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDuckDbSession, sqlString } from '../../src/data/events/duckdb-session.ts';
import { buildEventTable } from '../../src/data/events/build-event-table.ts';
import { generateShop } from '../../src/data/events/generate-shop.ts';
import { eventFilesIn } from '../../src/data/events/ingest-events.ts';
import { tableFromColumns } from '../../src/data/read-table.ts';
import { writeTable } from '../../src/data/write-table.ts';
import type { RescoreManifest } from '../../src/serve/rescore-base.ts';
import { workflowStateNames as names } from '../../workflows/tandem-workflow.ts';
import { runCliInProcess } from '../helpers/run-cli-in-process.ts';

const shopCustomers = 120;
const cutoff = '2024-10-01';

describe('tandem run: the rescoring branch after a promotion, on a generated shop', () => {
  let dir = '';
  // The customers in the export: those who signed up before the cutoff.
  let customers = 0;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-rescore-'));
    const raw = path.join(dir, 'raw');
    await generateShop({ customers: shopCustomers, seed: 11, out: raw });
    // The customer base as a marketing export: the shop's per-customer feature table (no labels) in two objects.
    const { table } = await buildEventTable(eventFilesIn(raw), { cutoff, labels: false, topCategories: 3 });
    customers = table.lines.length;
    assert.ok(customers > 50);
    const base = path.join(dir, 'base');
    await mkdir(base);
    const half = Math.ceil(table.lines.length / 2);
    for (const [i, [from, to]] of [[0, half], [half, table.lines.length]].entries()) {
      const cells = table.cells.map((column) => column.slice(from, to));
      await writeTable(path.join(base, `customers-${i}.csv`), tableFromColumns(`part ${i}`, table.columns, cells as typeof table.cells, table.lines.slice(from, to)));
    }
    await writeFile(path.join(dir, 'tandem.config.json'), JSON.stringify({
      name: 'shop',
      data: { kind: 'events', customers: path.join(raw, 'customers.csv'), sessions: path.join(raw, 'sessions.csv'), orders: path.join(raw, 'orders.csv'), cutoff, topCategories: 3 },
      split: { test: 0.2, validation: 0.2, seed: 7 },
      model: { epochs: 2, sharedUnits: [8], towerUnits: [4], batchSize: 32, patience: 3 },
      search: { strategy: 'random' },
      scoring: { input: base, partitionBySegment: true },
    }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('promotes, then scores every customer into date- and segment-partitioned Parquet parts with a manifest that DuckDB reads', async () => {
    const storeDir = path.join(dir, 'store');
    const { code, stdout, stderr } = await runCliInProcess(['run', '--config', path.join(dir, 'tandem.config.json'), '--store', `file://${storeDir}`, '--trials', '1', '--parallel', '2', '--json']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { championId: string; promoted: boolean; states: string[] };
    assert.equal(result.promoted, true);
    const tail = result.states.slice(result.states.indexOf(names.promote));
    assert.deepEqual(tail, [names.promote, names.chooseRescoring, names.planRescoring, names.chooseRescoreParts, names.rescoreParts, names.scorePart, names.scorePart, names.writeScoresManifest, names.notify]);

    const date = new Date().toISOString().slice(0, 10);
    const prefix = path.join(storeDir, 'scores', 'shop', `date=${date}`);
    const manifest = JSON.parse(await readFile(path.join(prefix, '_manifest.json'), 'utf8')) as RescoreManifest;
    assert.equal(manifest.modelId, result.championId);
    assert.equal(manifest.parts.length, 2);
    assert.equal(manifest.rows, customers);
    assert.equal(manifest.rejected, 0);
    assert.ok(manifest.parts.every((part) => part.files.every((file) => /^scores\/shop\/date=\d{4}-\d{2}-\d{2}\/segment=[^/]+\/part-0000[01]\.parquet$/.test(file.key))));

    const session = await openDuckDbSession({ threads: 1 });
    try {
      const glob = sqlString(path.join(storeDir, 'scores', 'shop', '**', '*.parquet'));
      const reader = await session.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids, count(DISTINCT date)::INTEGER AS dates FROM read_parquet(${glob}, hive_partitioning = true)`);
      assert.deepEqual(reader.getRowObjectsJS(), [{ n: customers, ids: customers, dates: 1 }]);
      // Each file holds only its partition's segment.
      const bySegment = await session.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${glob}, hive_partitioning = false, filename = true) WHERE NOT contains(filename, 'segment=' || replace(url_encode(segment), '%2F', '/'))`);
      assert.deepEqual(bySegment.getRowObjectsJS(), [{ n: 0 }]);
    } finally {
      await session.close();
    }
  });

  it('rescores on its own (tandem run --rescore: the Rescoring state machine, no retraining) with the champion, replacing the day\'s scores', async () => {
    const storeDir = path.join(dir, 'store');
    const { code, stdout, stderr } = await runCliInProcess(['run', '--rescore', '--config', path.join(dir, 'tandem.config.json'), '--store', `file://${storeDir}`, '--json']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { rescoring: { rows: number; parts: number; modelId: string }; states: string[] };
    assert.deepEqual(result.states, [names.planRescoring, names.chooseRescoreParts, names.rescoreParts, names.scorePart, names.scorePart, names.writeScoresManifest, names.rescoringDone]);
    assert.equal(result.rescoring.rows, customers);
    assert.equal(result.rescoring.parts, 2);
    const pointer = JSON.parse(await readFile(path.join(storeDir, 'champions', 'shop.json'), 'utf8')) as { modelId: string };
    assert.equal(result.rescoring.modelId, pointer.modelId);
    const session = await openDuckDbSession({ threads: 1 });
    try {
      const glob = sqlString(path.join(storeDir, 'scores', 'shop', '**', '*.parquet'));
      const reader = await session.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${glob}, hive_partitioning = true)`);
      assert.deepEqual(reader.getRowObjectsJS(), [{ n: customers }], 'the same day\'s earlier parts were replaced, not added to');
    } finally {
      await session.close();
    }
  });
});
