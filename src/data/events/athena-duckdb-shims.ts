import type { DuckDBConnection } from '@duckdb/node-api';
import type { AthenaEventTables } from './athena-feature-sql.ts';
import type { EventFiles } from './build-event-table.ts';
import { sqlIdentifier, sqlString } from './duckdb-session.ts';
import { eventFileFormatOf } from './event-file.ts';

/**
 * The Trino functions that the Athena feature query (`athenaFeatureSelect`) uses and DuckDB lacks or names otherwise,
 * as DuckDB macros of the same name, so that DuckDB runs the Athena text itself (the local runner's stand-in for
 * Athena, and the test that both engines' texts give the same table). Everything else the query uses — `date_diff`,
 * `try`, `try_cast`, `count_if`, `row_number`, `ln`, `"database"."table"` — DuckDB already accepts as Trino does.
 *
 * - `from_iso8601_timestamp(s)`: a cast to TIMESTAMPTZ (Trino fails on text that does not parse where the cast gives
 *   NULL; the query wraps every call in `try`, which makes the two alike).
 * - `is_finite(x)`: DuckDB's `isfinite`.
 */
export async function registerAthenaShims(connection: DuckDBConnection): Promise<void> {
  await connection.run('CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)');
  await connection.run('CREATE OR REPLACE MACRO is_finite(x) AS isfinite(x)');
}

/**
 * Makes `"database"."<table>"` name each raw log file the way the Glue tables present them to Athena: every column as
 * text (views over the files, read with all columns VARCHAR).
 */
export async function attachEventTables(connection: DuckDBConnection, database: string, tables: AthenaEventTables, files: EventFiles): Promise<void> {
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${sqlIdentifier(database)}`);
  for (const name of ['customers', 'sessions', 'orders'] as const) {
    const file = sqlString(files[name]);
    const format = eventFileFormatOf(files[name]);
    const reader =
      format === 'csv'
        ? `read_csv(${file}, header = true, all_varchar = true)`
        : format === 'jsonl'
          ? `(SELECT COLUMNS(*)::VARCHAR FROM read_json(${file}, format = 'newline_delimited'))`
          : `(SELECT COLUMNS(*)::VARCHAR FROM read_parquet(${file}))`;
    await connection.run(`CREATE OR REPLACE VIEW ${sqlIdentifier(database)}.${sqlIdentifier(tables[name])} AS SELECT * FROM ${reader}`);
  }
}

/** The column names of a raw table as attached by {@link attachEventTables}. */
export async function eventTableColumnNames(connection: DuckDBConnection, database: string, table: string): Promise<string[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${sqlIdentifier(database)}.${sqlIdentifier(table)}`);
  return reader.getRowObjectsJS().map((row) => String(row.column_name));
}
