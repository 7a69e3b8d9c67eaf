import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../errors/bad-input-error.ts';
import { parseCsv, readCsv } from './read-csv.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

void describe('readCsv', () => {
  void it('reads quoted cells, keeps values as strings and maps blank cells to null', async () => {
    const table = await readCsv(fixture('customers.csv'));
    assert.equal(table.columns.length, 8);
    assert.equal(table.rows.length, 40);
    assert.deepEqual(table.lines.slice(0, 3), [2, 3, 4]);
    assert.equal(table.rows[2]?.note, 'says "hi", twice');
    assert.equal(table.rows[0]?.tenure, '7');
    assert.equal(table.rows[3]?.note, null);
    assert.equal(table.source, fixture('customers.csv'));
  });

  void it('strips a BOM, handles CRLF and multi-line cells, skips blank lines and reports start lines', async () => {
    const table = await readCsv(fixture('bom-quoted.csv'));
    assert.deepEqual(table.columns, ['id', 'name', 'score']);
    assert.deepEqual(
      table.rows.map((row) => row.name),
      ['Smith, Jo', 'multi\r\nline', 'plain'],
    );
    assert.equal(table.rows[1]?.score, null);
    // Line 3 starts the two-line cell, line 5 is blank, so the third row is on line 6.
    assert.deepEqual(table.lines, [2, 3, 6]);
  });

  void it('names file and line of a row with the wrong number of cells', async () => {
    await assert.rejects(readCsv(fixture('ragged.csv')), (error: unknown) => {
      assert.ok(error instanceof BadInputError);
      assert.match(error.message, /ragged\.csv:4: expected 3 cells like the header, found 2/);
      return true;
    });
  });

  void it('rejects an empty file, a header without rows, duplicate columns and bad quoting', () => {
    assert.throws(() => parseCsv('', 'empty.csv'), /empty\.csv is empty/);
    assert.throws(() => parseCsv('a,b\n', 'header.csv'), /header\.csv has a header but no data rows/);
    assert.throws(() => parseCsv('a,b,a\n1,2,3\n', 'dup.csv'), /dup\.csv:1: column "a" appears twice/);
    assert.throws(() => parseCsv('a,b\n1,"x"y\n', 'quote.csv'), (error: unknown) => error instanceof BadInputError && /quote\.csv:2: malformed CSV/.test(error.message));
  });

  void it('names a missing file', async () => {
    await assert.rejects(readCsv(fixture('absent.csv')), /cannot read data file .*absent\.csv: no such file/);
  });
});
