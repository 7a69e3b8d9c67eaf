/**
 * The few places where the point-in-time SQL of events mode (event-feature-sql.ts) differs between the engines that run
 * it: DuckDB (one machine, `buildEventTable`) and Amazon Athena (Trino, `athenaFeatureQuery`). Everything else in that
 * SQL is written once in the syntax both accept.
 */
export interface SqlDialect {
  readonly name: 'duckdb' | 'athena';
  /** `expression` as a DOUBLE. */
  double(expression: string): string;
  /** Sum of a DOUBLE column (DuckDB: `fsum`, compensated, so sums do not depend on the order rows arrive in). */
  sum(expression: string): string;
  /** Mean of a DOUBLE column (DuckDB: `favg`, compensated). */
  avg(expression: string): string;
  /** Rows for which `condition` holds, as a DOUBLE. */
  countWhere(condition: string): string;
  /** The GROUP BY clause of a query whose non-aggregated select columns are `columns` (DuckDB: `GROUP BY ALL`). */
  groupBy(columns: readonly string[]): string;
}

/** DuckDB: the text `buildEventTable` has always run. */
export const duckDbDialect: SqlDialect = {
  name: 'duckdb',
  double: (expression) => `${expression}::DOUBLE`,
  sum: (expression) => `fsum(${expression})`,
  avg: (expression) => `favg(${expression})`,
  countWhere: (condition) => `count(*) FILTER (WHERE ${condition})::DOUBLE`,
  groupBy: () => 'GROUP BY ALL',
};

/**
 * Amazon Athena (engine version 3, Trino): standard casts, plain `sum`/`avg`, `count_if`, explicit GROUP BY columns (Trino
 * has no `GROUP BY ALL`).
 */
export const athenaDialect: SqlDialect = {
  name: 'athena',
  double: (expression) => `CAST(${expression} AS DOUBLE)`,
  sum: (expression) => `sum(${expression})`,
  avg: (expression) => `avg(${expression})`,
  countWhere: (condition) => `CAST(count_if(${condition}) AS DOUBLE)`,
  groupBy: (columns) => `GROUP BY ${columns.join(', ')}`,
};
