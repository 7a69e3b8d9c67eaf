import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDuckDbSession, sqlString } from '../data/events/duckdb-session.ts';
import type { CustomerPrediction } from './score-rows.ts';
import { flattenPrediction } from './write-scores.ts';
import { writeScores } from './write-scores.ts';

const tasks = [{ name: 'churn' }, { name: 'plan', classes: ['basic', 'pro'] }];
const predictions: CustomerPrediction[] = [
  {
    id: 'C-1, "quoted"',
    scores: { churn: 0.123456789012345, plan: 0.75 },
    decisions: { churn: false, plan: true },
    deciles: { churn: 3, plan: 8 },
    classes: { plan: 'pro' },
    probabilities: { plan: { basic: 0.25, pro: 0.75 } },
    segment: 'plan=pro',
  },
  {
    id: 'C-2',
    scores: { churn: 0.9, plan: 0.6 },
    decisions: { churn: true, plan: true },
    deciles: { churn: 10, plan: 5 },
    classes: { plan: 'basic' },
    probabilities: { plan: { basic: 0.6, pro: 0.4 } },
    segment: 'churn+plan=basic',
  },
];

async function readParquet(file: string): Promise<{ types: Record<string, string>; rows: Record<string, unknown>[] }> {
  const session = await openDuckDbSession({ threads: 1 });
  try {
    const described = await session.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
    const types = Object.fromEntries(described.getRowObjectsJS().map((row) => [String(row.column_name), String(row.column_type)]));
    const reader = await session.connection.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)})`);
    return { types, rows: reader.getRowObjectsJS() as Record<string, unknown>[] };
  } finally {
    await session.close();
  }
}

describe('writeScores to .parquet', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-parquet-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the CSV columns in order, typed: text ids, DOUBLE scores, BOOLEAN or text decisions, INTEGER deciles', async () => {
    const file = path.join(dir, 'out', 'scores.parquet');
    await writeScores(file, predictions, tasks);
    const { types, rows } = await readParquet(file);
    assert.deepEqual(types, {
      id: 'VARCHAR',
      churn: 'DOUBLE',
      churn_decision: 'BOOLEAN',
      churn_decile: 'INTEGER',
      plan: 'DOUBLE',
      plan_decision: 'VARCHAR',
      plan_decile: 'INTEGER',
      plan_p_basic: 'DOUBLE',
      plan_p_pro: 'DOUBLE',
      segment: 'VARCHAR',
    });
    // Same values as the CSV/JSONL record, full double precision, input order.
    assert.deepEqual(rows, predictions.map((p) => flattenPrediction(p, tasks)));
    assert.deepEqual(await readdir(path.dirname(file)), ['scores.parquet']);
  });

  it('writes an empty batch as a Parquet file with the columns and no rows', async () => {
    const file = path.join(dir, 'empty.parquet');
    await writeScores(file, [], tasks);
    const { types, rows } = await readParquet(file);
    assert.equal(Object.keys(types).length, 10);
    assert.equal(rows.length, 0);
  });
});
