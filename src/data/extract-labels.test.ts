import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTableConfig } from '../config/load-config.ts';
import type { TableConfig } from '../config/schema.ts';
import type { BadInputError } from '../errors/bad-input-error.ts';
import { extractLabels } from './extract-labels.ts';
import { parseCsv } from './read-csv.ts';
import { parseJsonl } from './read-jsonl.ts';
import { catchBadInput } from '../../test/helpers/catch-bad-input.ts';

const csv = [
  'id,internet,security,churn,spend,note',
  'c1,DSL,Yes,Yes,10.5,a',
  'c2,No,No internet service,No,20,b',
  'c3,Fiber,No,no,,c',
  'c4,Fiber,Yes,,30,d',
  'c5,DSL,No,YES,40,e',
].join('\n');
const table = parseCsv(csv, 'shop.csv');

function config(overrides: Record<string, unknown>): TableConfig {
  return parseTableConfig({ data: { path: 'shop.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn' } }], ...overrides }, 'test');
}

function badInput(fn: () => unknown, pattern: RegExp): BadInputError {
  const error = catchBadInput(fn);
  assert.match(error.message, pattern);
  return error;
}

void describe('extractLabels', () => {
  const full = config({
    data: { path: 'shop.csv', id: 'id', exclude: ['note'] },
    tasks: [
      { name: 'churn', type: 'binary', label: { column: 'churn' } },
      { name: 'xsell', type: 'binary', label: { column: 'security', positive: ['Yes'] }, when: { column: 'internet', notIn: ['No'] } },
      { name: 'spend', type: 'regression', label: { column: 'spend' } },
    ],
  });

  void it('removes label, id and excluded columns from the features but keeps the when column', () => {
    const result = extractLabels(table, full);
    assert.deepEqual(result.featureColumns, ['internet']);
    assert.equal(result.idColumn, 'id');
    assert.deepEqual(result.rows[0], { id: 'c1', line: 2, features: { internet: 'DSL' }, labels: { churn: 1, xsell: 1, spend: 10.5 } });
  });

  void it('maps yes/no words case-insensitively, positive values, when masks and empty cells', () => {
    const { rows, taskStats } = extractLabels(table, full);
    assert.deepEqual(
      rows.map((row) => row.labels.churn),
      [1, 0, 0, null, 1],
    );
    // c2 has no internet: outside the mask, so no label although the cell is filled.
    assert.deepEqual(
      rows.map((row) => row.labels.xsell),
      [1, null, 0, 1, 0],
    );
    assert.deepEqual(
      rows.map((row) => row.labels.spend),
      [10.5, 20, null, 30, 40],
    );
    assert.deepEqual(taskStats, { churn: { labelled: 4, positives: 2 }, xsell: { labelled: 4, positives: 2 }, spend: { labelled: 4 } });
  });

  void it('compares positive values as case-sensitive text, also for JSONL booleans and numbers', () => {
    const jsonl = parseJsonl('{"u": 1, "paid": true, "n": 1}\n{"u": 2, "paid": false, "n": 0}\n{"u": 3, "paid": "true", "n": 2}\n', 'x.jsonl');
    const result = extractLabels(
      jsonl,
      config({
        tasks: [
          { name: 'paid', type: 'binary', label: { column: 'paid', positive: [true] } },
          { name: 'one', type: 'binary', label: { column: 'n', positive: ['1'] } },
        ],
      }),
    );
    assert.deepEqual(
      result.rows.map((row) => [row.labels.paid, row.labels.one]),
      [
        [1, 1],
        [0, 0],
        [1, 0],
      ],
    );
    const upper = extractLabels(table, config({ tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn', positive: ['Yes'] } }] }));
    assert.deepEqual(
      upper.rows.map((row) => row.labels.churn),
      [1, 0, 0, null, 0],
      '"YES" is not "Yes"',
    );
  });

  void it('uses the 1-based data row number as id when data.id is absent', () => {
    const result = extractLabels(table, config({}));
    assert.deepEqual(
      result.rows.map((row) => row.id),
      ['1', '2', '3', '4', '5'],
    );
    assert.equal(result.idColumn, null);
    assert.ok(result.featureColumns.includes('id'));
  });

  void it('names an unknown column and lists the available ones', () => {
    const error = badInput(
      () => extractLabels(table, config({ tasks: [{ name: 'churn', type: 'binary', label: { column: 'Churn' } }] })),
      /unknown column "Churn" \(tasks\[0\]\.label\.column \(task "churn"\)\); the file's columns are: id, internet, security, churn, spend, note/,
    );
    assert.equal(error.details[0]?.issue, 'unknown column "Churn"');
    badInput(() => extractLabels(table, config({ data: { path: 'x', exclude: ['gone'] } })), /"gone" \(data\.exclude\[0\]\)/);
    badInput(() => extractLabels(table, config({ data: { path: 'x', id: 'customerID' } })), /"customerID" \(data\.id\)/);
  });

  void it('rejects a binary task with no positives, naming the column and the values seen', () => {
    badInput(
      () => extractLabels(table, config({ tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn', positive: ['Churned'] } }] })),
      /task "churn": label column "churn" has no positive rows among 4 labelled .*values seen: "Yes", "No", "no", "YES" \(e\.g\. shop\.csv:2 has "Yes"\)/,
    );
  });

  void it('rejects a label that is not a yes/no word when no positive values are given', () => {
    const error = badInput(
      () => extractLabels(table, config({ tasks: [{ name: 'sec', type: 'binary', label: { column: 'security' } }] })),
      /shop\.csv:3: task "sec": label column "security" holds "No internet service"/,
    );
    assert.equal(error.details[0]?.path, 'shop.csv:3:security');
  });

  void it('tolerates non-numeric regression labels up to maxNonNumericShare, as missing', () => {
    const rows = ['v,y', ...Array.from({ length: 99 }, (_, i) => `${i},${i}`), '99,n/a'].join('\n');
    const numeric = parseCsv(rows, 'reg.csv');
    const tasks = [{ name: 'y', type: 'regression', label: { column: 'y' } }];
    const result = extractLabels(numeric, config({ tasks, features: { maxNonNumericShare: 0.01 } }));
    assert.equal(result.rows[99]?.labels.y, null);
    assert.deepEqual(result.taskStats.y, { labelled: 99 });
    badInput(() => extractLabels(numeric, config({ tasks, features: { maxNonNumericShare: 0.005 } })), /reg\.csv:101: .*"y" has 1 non-numeric values of 100 .*e\.g\. "n\/a"/);
  });

  void it('maps multiclass labels to their index in label.classes, as trimmed text, and counts each class', () => {
    const plans = parseCsv('x,plan\n1,basic\n2, pro \n3,\n4,team\n5,pro\n', 'plans.csv');
    const tasks = [{ name: 'plan', type: 'multiclass', label: { column: 'plan', classes: ['basic', 'pro', 'team', 'enterprise'] } }];
    const result = extractLabels(plans, config({ tasks }));
    assert.deepEqual(
      result.rows.map((row) => row.labels.plan),
      [0, 1, null, 2, 1],
    );
    assert.deepEqual(result.taskStats.plan, { labelled: 4, classes: { basic: 1, pro: 2, team: 1, enterprise: 0 } });
    const jsonl = parseJsonl('{"x": 1, "stars": 1}\n{"x": 2, "stars": 3}\n', 'stars.jsonl');
    const numeric = extractLabels(jsonl, config({ tasks: [{ name: 'stars', type: 'multiclass', label: { column: 'stars', classes: [1, 2, 3] } }] }));
    assert.deepEqual(
      numeric.rows.map((row) => row.labels.stars),
      [0, 2],
    );
  });

  void it('rejects a multiclass value outside label.classes naming the task, column, value and row', () => {
    const plans = parseCsv('x,plan\n1,basic\n2,pro\n3,Premium\n', 'plans.csv');
    const tasks = [{ name: 'plan', type: 'multiclass', label: { column: 'plan', classes: ['basic', 'pro'] } }];
    const error = badInput(() => extractLabels(plans, config({ tasks })), /plans\.csv:4: task "plan": label column "plan" holds "Premium", which is not one of its label\.classes \["basic","pro"\]/);
    assert.equal(error.details[0]?.path, 'plans.csv:4:plan');
    const single = parseCsv('x,plan\n1,basic\n2,basic\n', 'one.csv');
    badInput(() => extractLabels(single, config({ tasks })), /one\.csv: task "plan": label column "plan" has only one class \("basic"\) among 2 labelled rows/);
  });

  void it('rejects a table with no feature columns left', () => {
    const bare = parseCsv('id,churn\na,yes\nb,no\n', 'bare.csv');
    badInput(() => extractLabels(bare, config({ data: { path: 'x', id: 'id' } })), /bare\.csv: no feature columns left/);
  });

  void it('rejects duplicate and empty ids naming both lines', () => {
    const dup = parseCsv('id,churn,x\na,yes,1\nb,no,2\na,no,3\n', 'dup.csv');
    badInput(() => extractLabels(dup, config({ data: { path: 'x', id: 'id' } })), /dup\.csv:4: duplicate id "a" in column "id" \(first on line 2\)/);
    const empty = parseCsv('id,churn,x\na,yes,1\n,no,2\n', 'empty.csv');
    badInput(() => extractLabels(empty, config({ data: { path: 'x', id: 'id' } })), /empty\.csv:3: id column "id" is empty/);
  });
});
