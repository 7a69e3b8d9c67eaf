import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { LabelledRow } from './labelled-row.ts';
import type { TableColumn } from './read-table.ts';
import { decodeSplitRows, encodeSplitRows } from './split-file.ts';
import { labelledTableOf } from '../../test/helpers/labelled-table.ts';

const columns = { featureColumns: ['plan', 'tenure', 'note'], taskNames: ['churn', 'spend'] };

function row(i: number): LabelledRow {
  return {
    id: `c${i}`,
    line: i + 2,
    features: { plan: i % 2 === 0 ? 'basic' : 'pro, "plus"', tenure: i * 1.5, note: i % 3 === 0 ? null : 'line\nbreak' },
    labels: { churn: i % 4 === 0 ? null : i % 2, spend: i / 7 },
  };
}

/** Encodes every row. */
const encode = (rows: readonly LabelledRow[]): Buffer => encodeSplitRows(labelledTableOf(rows, columns), rows.map((_, i) => i), columns.taskNames);

void describe('split file', () => {
  void it('round-trips rows exactly across chunk boundaries, one line per row', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => row(i));
    const body = encode(rows);
    assert.equal(body.toString('utf8').split('\n').filter((line) => line !== '').length, rows.length);
    assert.deepEqual(decodeSplitRows(body, 'train.jsonl', columns), rows);
  });

  void it('writes values in column order, without the column names', () => {
    const line = encode([row(1)]).toString('utf8');
    assert.equal(line, '["c1",3,["pro, \\"plus\\"",1.5,"line\\nbreak"],[1,0.14285714285714285]]\n');
  });

  void it('encodes only the rows it is given, in that order, with numeric columns read from Float64Arrays', () => {
    const rows = [row(0), row(1), row(2), row(3)];
    const table = labelledTableOf(rows, columns);
    const numeric = { ...table, features: [table.features[0] as TableColumn, Float64Array.of(0, 1.5, Number.NaN, Number.POSITIVE_INFINITY), table.features[2] as TableColumn] };
    const decoded = decodeSplitRows(encodeSplitRows(numeric, [3, 1], columns.taskNames), 'train.jsonl', columns);
    assert.deepEqual(decoded, [{ ...row(3), features: { ...row(3).features, tenure: null } }, row(1)]);
  });

  void it('reads the one-object-per-line files of earlier versions', () => {
    const legacy = Buffer.from(`${JSON.stringify(row(2))}\n\n${JSON.stringify(row(3))}\n`);
    assert.deepEqual(decodeSplitRows(legacy, 'old.jsonl', columns), [row(2), row(3)]);
  });

  void it('names the file and line of a corrupt or mis-shaped line', () => {
    const body = Buffer.from('["c1",2,["a",1,null],[0,1]]\n{not json\n');
    assert.throws(() => decodeSplitRows(body, 'store/train.jsonl', columns), (error: unknown) => error instanceof BadInputError && /store\/train\.jsonl:2: corrupt dataset file/.test(error.message));
    const short = Buffer.from('["c1",2,["a",1],[0,1]]\n');
    assert.throws(() => decodeSplitRows(short, 'v.jsonl', columns), /v\.jsonl:1: corrupt dataset file: expected \[id, line, 3 feature values, 2 labels\]/);
  });
});
