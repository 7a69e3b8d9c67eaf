import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readResultColumns, readTextColumns } from './duckdb-columns.ts';
import { openDuckDbSession, type DuckDbSession } from './duckdb-session.ts';

let session: DuckDbSession;
before(async () => {
  session = await openDuckDbSession({ threads: 2, memoryLimit: '256MB' });
});
after(async () => {
  await session.close();
});

void describe('readResultColumns', () => {
  void it('reads numbers across many chunks in order, nulls as NaN', async () => {
    // 40,000 rows: about twenty of DuckDB's chunks, and more than the columns' first capacity.
    const rows = 40_000;
    const read = await readResultColumns(
      session.connection,
      `SELECT i::DOUBLE AS x, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.5 END::DOUBLE AS y FROM range(${rows}) r(i) ORDER BY i`,
    );
    assert.equal(read.rowCount, rows);
    const x = read.numbers('x');
    const y = read.numbers('y');
    assert.equal(x.length, rows);
    for (const i of [0, 1, 2047, 2048, 16_383, 16_384, 39_999]) {
      assert.equal(x[i], i);
      if (i % 7 === 0) assert.ok(Number.isNaN(y[i]), `y[${i}] is NaN`);
      else assert.equal(y[i], i * 0.5);
    }
    let nulls = 0;
    for (const value of y) if (Number.isNaN(value)) nulls++;
    assert.equal(nulls, Math.ceil(rows / 7));
  });

  void it('reads an empty result, names a column it does not have and refuses one that is not DOUBLE', async () => {
    const read = await readResultColumns(session.connection, 'SELECT 1::DOUBLE AS x WHERE false');
    assert.equal(read.rowCount, 0);
    assert.equal(read.numbers('x').length, 0);
    assert.throws(() => read.numbers('missing'), /no column "missing" \(it has x\)/);
    await assert.rejects(readResultColumns(session.connection, `SELECT 1::DOUBLE AS x, 'a' AS t`), /column "t" is VARCHAR, not DOUBLE/);
  });
});

void describe('readTextColumns', () => {
  void it('moves whole text columns in the given order, nulls included', async () => {
    await session.connection.run(`CREATE TEMP TABLE people AS SELECT * FROM (VALUES (2, 'b', NULL), (0, 'a "quoted"', 'x'), (1, NULL, 'y,z')) v(k, name, note)`);
    const columns = await readTextColumns(session.connection, 'people', ['name', 'note'], 'k');
    assert.deepEqual(columns.get('name'), ['a "quoted"', null, 'b']);
    assert.deepEqual(columns.get('note'), ['x', 'y,z', null]);
    assert.equal((await readTextColumns(session.connection, 'people', [], 'k')).size, 0);
  });
});
