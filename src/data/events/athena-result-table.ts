import type { DuckDBConnection } from '@duckdb/node-api';
import { tableFromColumns, type RawTable, type TableColumn } from '../read-table.ts';
import { athenaSlotNameColumn, athenaSlotStem } from './athena-feature-sql.ts';
import { categoryStems } from './build-event-table.ts';
import { readResultColumns, readTextColumns } from './duckdb-columns.ts';
import { sqlIdentifier } from './duckdb-session.ts';

/** The events table made from an Athena result, and the categories that got their own columns (in column order). */
export interface AthenaResultTable {
  readonly table: RawTable;
  readonly categories: string[];
}

/**
 * Turns the result of `athenaFeatureSelect` (loaded into DuckDB as `relation`, e.g. `read_parquet([...])` over the
 * CTAS's files) into the table `buildEventTable` makes from the same logs: rows by `customer_id`, profile columns
 * numeric where every value present is a finite number (the rule of the DuckDB path), slot columns `cat_slot<k>_*`
 * renamed after their categories (`categoryStems`, slots without a category dropped, the last slot `other`), NULL
 * numbers as NaN. One row per customer is all it reads, so memory grows with customers, not events.
 */
export async function athenaResultTable(connection: DuckDBConnection, relation: string, headerProfile: readonly string[], source: string): Promise<AthenaResultTable> {
  const describe = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  const names = describe.getRowObjectsJS().map((row) => String(row.column_name));
  // Athena lower-cases column names: find the profile columns whatever their case, and name them as the header does.
  const byLowerCase = new Map(names.map((name) => [name.toLowerCase(), name]));
  const profile = headerProfile.map((name) => byLowerCase.get(name.toLowerCase()) ?? name);
  const outputName = new Map(profile.map((name, i) => [name, headerProfile[i]!]));
  const slotNames = names.filter((name) => /^category_slot_\d+$/.test(name));
  const firstRow = slotNames.length === 0 ? {} : ((await connection.runAndReadAll(`SELECT ${slotNames.map(sqlIdentifier).join(', ')} FROM ${relation} LIMIT 1`)).getRowObjectsJS()[0] ?? {});
  const categories = slotNames.flatMap((_, k) => {
    const value = firstRow[athenaSlotNameColumn(k)];
    return typeof value === 'string' ? [value] : [];
  });
  const { listed, otherStem } = categoryStems(categories);
  const otherSlot = slotNames.length;
  const renamed = new Map<string, string>();
  for (const name of names) {
    const slot = /^cat_slot(\d+)_(.+)$/.exec(name);
    if (slot === null) continue;
    const k = Number(slot[1]);
    const stem = k === otherSlot ? otherStem : listed[k]?.stem;
    if (stem !== undefined) renamed.set(name, `cat_${stem}_${slot[2]}`);
  }
  // Listed slots first, then `other`: the column order of the DuckDB path.
  const slotColumns = [...names.filter((name) => renamed.has(name) && !name.startsWith(`cat_${athenaSlotStem(otherSlot)}_`)), ...names.filter((name) => name.startsWith(`cat_${athenaSlotStem(otherSlot)}_`))];
  const rest = names.filter((name) => name !== 'customer_id' && !profile.includes(name) && !slotNames.includes(name) && !/^cat_slot\d+_/.test(name));
  const firstSlotAt = names.findIndex((name) => /^cat_slot\d+_/.test(name));
  const before = rest.filter((name) => names.indexOf(name) < firstSlotAt);
  const after = rest.filter((name) => names.indexOf(name) > firstSlotAt);

  await connection.run(`CREATE OR REPLACE TEMP TABLE athena_rows AS SELECT * FROM ${relation}`);
  const numericProfile = await numericColumns(connection, 'athena_rows', profile);
  const numeric = [...profile.filter((name) => numericProfile.has(name)), ...before, ...slotColumns, ...after];
  const numbers = await readResultColumns(
    connection,
    `SELECT ${numeric.map((name, i) => `TRY_CAST(${sqlIdentifier(name)} AS DOUBLE) AS c${i}`).join(', ')} FROM athena_rows ORDER BY customer_id`,
  );
  const texts = await readTextColumns(connection, 'athena_rows', ['customer_id', ...profile.filter((name) => !numericProfile.has(name))], 'customer_id');
  await connection.run('DROP TABLE athena_rows');
  const cell = (name: string): TableColumn => (numeric.includes(name) ? numbers.numbers(`c${numeric.indexOf(name)}`) : (texts.get(name) ?? []));
  const columns = ['customer_id', ...profile, ...before, ...slotColumns, ...after];
  const table = tableFromColumns(
    source,
    columns.map((name) => renamed.get(name) ?? outputName.get(name) ?? name),
    columns.map(cell),
    Array.from({ length: numbers.rowCount }, (_, r) => r + 1),
  );
  return { table, categories };
}

/** The columns of `table` among `names` whose every present value is a finite number (and at least one is present). */
async function numericColumns(connection: DuckDBConnection, table: string, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const checks = names.map((name, i) => {
    const column = sqlIdentifier(name);
    return `(count(${column}) > 0 AND count(${column}) = count(CASE WHEN isfinite(TRY_CAST(${column} AS DOUBLE)) THEN 1 END)) AS n${i}`;
  });
  const row = (await connection.runAndReadAll(`SELECT ${checks.join(', ')} FROM ${sqlIdentifier(table)}`)).getRowObjectsJS()[0] ?? {};
  return new Set(names.filter((_, i) => row[`n${i}`] === true));
}
