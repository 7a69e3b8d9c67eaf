import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTableConfig } from '../config/load-config.ts';
import type { TableConfig } from '../config/schema.ts';
import { extractLabels } from './extract-labels.ts';
import { parseCsv } from './read-csv.ts';
import { parseJsonl } from './read-jsonl.ts';
import { numberCellKind } from './trainable-number.ts';
import { catchBadInput } from '../../test/helpers/catch-bad-input.ts';

const tasks = [
  { name: 'churn', type: 'binary', label: { column: 'churn' } },
  { name: 'spend', type: 'regression', label: { column: 'spend' } },
];
const config: TableConfig = parseTableConfig({ data: { path: 'shop.csv' }, tasks }, 'test');

/** A CSV with a numeric feature `tenure`, a text feature `plan` and the two labels; `cells` replaces cells by line. */
function shop(cells: Readonly<Record<number, { tenure?: string; plan?: string; churn?: string; spend?: string }>> = {}): string {
  const lines = ['tenure,plan,churn,spend'];
  for (let line = 2; line <= 11; line++) {
    const row = { tenure: String(line), plan: line % 2 === 0 ? 'basic' : 'pro', churn: line % 3 === 0 ? 'yes' : 'no', spend: String(line * 10), ...cells[line] };
    lines.push(`${row.tenure},${row.plan},${row.churn},${row.spend}`);
  }
  return lines.join('\n');
}

function refused(text: string, pattern: RegExp, source = 'shop.csv'): void {
  const table = source.endsWith('.jsonl') ? parseJsonl(text, source) : parseCsv(text, source);
  const error = catchBadInput(() => extractLabels(table, config));
  assert.match(error.message, pattern);
}

void describe('numbers training cannot use', () => {
  void it('classifies cells: finite, non-finite (NaN, Infinity, inf, 1e400), beyond float32 (1e39), other', () => {
    for (const value of ['1', ' -2.5 ', '1e9', '3.4e38', 0, -1e30]) assert.equal(numberCellKind(value), 'finite', String(value));
    for (const value of ['NaN', 'nan', 'Infinity', '-Infinity', '+inf', '-INF', '1e400', '-1e400', Infinity, -Infinity, Number.NaN]) {
      assert.equal(numberCellKind(value), 'non-finite', String(value));
    }
    for (const value of ['1e39', '-3.5e38', 1e300]) assert.equal(numberCellKind(value), 'beyond-float32', String(value));
    for (const value of ['abc', 'information', '', null, true]) assert.equal(numberCellKind(value), 'other', String(value));
  });

  void it('refuses Infinity, 1e400, -Infinity and NaN in a numeric feature column, naming file:line:column', () => {
    refused(shop({ 4: { tenure: 'Infinity' } }), /^shop\.csv:4:tenure: numeric column "tenure" holds "Infinity", which is not a finite number/);
    refused(shop({ 5: { tenure: '1e400' } }), /^shop\.csv:5:tenure: .*"1e400", which is not a finite number \(leave the cell empty/);
    refused(shop({ 3: { tenure: '-Infinity' }, 7: { tenure: 'NaN' } }), /^shop\.csv:3:tenure: .*\(1 more cell of the column like it\)/);
    refused(shop({ 6: { tenure: '1e39' } }), /^shop\.csv:6:tenure: .*"1e39", which is beyond ±3\.4e38/);
  });

  void it('refuses a JSONL number that overflowed (1e400), naming file:line:column', () => {
    const jsonl = Array.from({ length: 10 }, (_, i) => `{"tenure": ${i === 2 ? '1e400' : i}, "plan": "basic", "churn": ${i % 2 === 0}, "spend": ${i}}`).join('\n');
    refused(jsonl, /^shop\.jsonl:3:tenure: numeric column "tenure" holds Infinity, which is not a finite number/, 'shop.jsonl');
  });

  void it('keeps "NaN" as a category in a text column, and large finite numbers (1e9, -3e38) as they are', () => {
    const text = shop({ 2: { plan: 'NaN' }, 4: { tenure: '1000000000', spend: '1e9' }, 5: { tenure: '-3e38' } });
    const result = extractLabels(parseCsv(text, 'shop.csv'), config);
    assert.equal(result.rows[0]?.features.plan, 'NaN');
    assert.equal(result.rows[2]?.labels.spend, 1e9);
  });

  void it('refuses Infinity, 1e400 and NaN in a label cell, naming file:line:column, instead of a missing label', () => {
    refused(shop({ 8: { spend: 'Infinity' } }), /^shop\.csv:8:spend: task "spend": label column "spend" holds "Infinity", which is not a finite number/);
    refused(shop({ 9: { spend: '1e400' } }), /^shop\.csv:9:spend: .*"1e400", which is not a finite number/);
    const positive = parseTableConfig({ data: { path: 'shop.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn', positive: ['yes'] } }] }, 'test');
    const error = catchBadInput(() => extractLabels(parseCsv(shop({ 10: { churn: 'NaN' } }), 'shop.csv'), positive));
    assert.match(error.message, /^shop\.csv:10:churn: task "churn": label column "churn" holds "NaN", which is not a finite number/);
    assert.equal(error.details[0]?.path, 'shop.csv:10:churn');
  });

  void it('refuses a regression label beyond float32 (1e39) and accepts 1e9 revenue', () => {
    refused(shop({ 11: { spend: '1e39' } }), /^shop\.csv:11:spend: .*"1e39", which is beyond ±3\.4e38, the largest number the network \(float32\) can hold/);
    const result = extractLabels(parseCsv(shop({ 11: { spend: '1e9' } }), 'shop.csv'), config);
    assert.equal(result.rows[9]?.labels.spend, 1e9);
  });
});
