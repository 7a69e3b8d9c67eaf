import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../errors/bad-input-error.ts';
import { parseTable, readTable, tableFormatOf } from './read-table.ts';

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
