import { builtInEventLabelColumns } from '../../config/schema.ts';
import { columnCellsOf, tableFromColumns, type RawTable } from '../read-table.ts';

const labelColumns = new Set<string>(builtInEventLabelColumns);

/**
 * The columns of an events table that `tandem features` writes and a model or the API takes: `customer_id` and every
 * feature, in table order — all but the label columns (purchase_intent, churn, cross_sell).
 */
export function eventFeatureColumns(table: Pick<RawTable, 'columns'>): string[] {
  return table.columns.filter((column) => !labelColumns.has(column));
}

/**
 * The events table without its label columns (the columns are shared, the input is not changed). Building with
 * `labels: false` gives the same table without computing the labels at all.
 */
export function eventFeatureTable(table: RawTable): RawTable {
  const columns = eventFeatureColumns(table);
  if (columns.length === table.columns.length) return table;
  const cells = columns.map((column) => columnCellsOf(table, column));
  return tableFromColumns(table.source, columns, cells, table.lines);
}
