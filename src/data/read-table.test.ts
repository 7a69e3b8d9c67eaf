import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../errors/bad-input-error.ts';
import { cellOf, parseTable, readTable, tableFormatOf, tableFromColumns } from './read-table.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

void describe('readTable', () => {
  void it('chooses the reader by extension', async () => {
    assert.equal((await readTable(fixture('customers.csv'))).rows.length, 40);
    assert.equal((await readTable(fixture('customers.jsonl'))).rows.length, 3);
    assert.equal(parseTable('{"a": 1}\n', 'x.NDJSON').rows[0]?.a, 1);
    assert.equal(tableFormatOf('X.CSV'), 'csv');
  });

  void it('says parquet is not supported yet and rejects unknown extensions', async () => {
    await assert.rejects(readTable('customers.parquet'), (error: unknown) => {
      assert.ok(error instanceof BadInputError);
      assert.match(error.message, /parquet input is not supported yet for table mode; convert to CSV or JSONL/);
      return true;
    });
    assert.throws(() => tableFormatOf('customers.xlsx'), /unknown table format "\.xlsx"/);
  });
});

void describe('tables held by column', () => {
  void it('keeps the readers\' cells per column, in column order', () => {
    const table = parseTable('id,plan\nc1,basic\nc2,\n', 'x.csv');
    assert.deepEqual(table.cells, [
      ['c1', 'c2'],
      ['basic', null],
    ]);
    assert.deepEqual(table.rows, [
      { id: 'c1', plan: 'basic' },
      { id: 'c2', plan: null },
    ]);
  });

  void it('reads a numeric column\'s NaN and infinities as missing, in cells and in the row view', () => {
    const numbers = Float64Array.of(1.5, Number.NaN, Number.NEGATIVE_INFINITY, 0);
    const table = tableFromColumns('t.csv', ['id', 'x'], [['a', 'b', 'c', 'd'], numbers], [2, 3, 4, 5]);
    assert.deepEqual([0, 1, 2, 3].map((row) => cellOf(numbers, row)), [1.5, null, null, 0]);
    assert.deepEqual(table.rows, [
      { id: 'a', x: 1.5 },
      { id: 'b', x: null },
      { id: 'c', x: null },
      { id: 'd', x: 0 },
    ]);
    assert.equal(table.rows, table.rows, 'the row view is built once');
  });
});
