import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { openDuckDbSession, sqlIdentifier, sqlString } from '../data/events/duckdb-session.ts';
import type { CustomerPrediction } from './score-rows.ts';
import { flattenPrediction, scoreColumns, type ScoredTask } from './write-scores.ts';

/** The SQL type of one score column. */
export type ScoreColumnType = 'VARCHAR' | 'DOUBLE' | 'BOOLEAN' | 'INTEGER';

/**
 * The Parquet type of each {@link scoreColumns} column: `id` and `segment` text, scores and class probabilities
 * DOUBLE, deciles INTEGER, decisions BOOLEAN (a multiclass task's decision, its predicted class, text).
 */
export function scoreColumnTypes(tasks: readonly ScoredTask[]): [string, ScoreColumnType][] {
  return [
    ['id', 'VARCHAR'],
    ...tasks.flatMap((task): [string, ScoreColumnType][] => [
      [task.name, 'DOUBLE'],
      [`${task.name}_decision`, task.classes === undefined ? 'BOOLEAN' : 'VARCHAR'],
      [`${task.name}_decile`, 'INTEGER'],
      ...(task.classes ?? []).map((name): [string, ScoreColumnType] => [`${task.name}_p_${name}`, 'DOUBLE']),
    ]),
    ['segment', 'VARCHAR'],
  ];
}

/**
 * Writes predictions as one Parquet file through DuckDB (an appender into an in-memory table, then `COPY … TO`),
 * with the columns of the CSV output in the same order and typed (see {@link scoreColumnTypes}). Written to a
 * temporary file renamed into place, so a reader never sees half a file; rows keep the input's order.
 */
export async function writeParquetScores(file: string, predictions: readonly CustomerPrediction[], tasks: readonly ScoredTask[]): Promise<void> {
  const columns = scoreColumnTypes(tasks);
  // Same names as the CSV header, so a mismatch between the two layouts is a bug caught here.
  if (columns.map(([name]) => name).join('\u0000') !== scoreColumns(tasks).join('\u0000')) throw new Error('parquet score columns differ from scoreColumns');
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const session = await openDuckDbSession({ threads: 1, memoryLimit: '256MB' });
  try {
    const { connection } = session;
    await connection.run('SET preserve_insertion_order = true');
    await connection.run(`CREATE TABLE scores (${columns.map(([name, type]) => `${sqlIdentifier(name)} ${type}`).join(', ')})`);
    const appender = await connection.createAppender('scores');
    for (const prediction of predictions) {
      const record = flattenPrediction(prediction, tasks);
      for (const [name, type] of columns) {
        const value = record[name];
        if (value === undefined || (typeof value === 'number' && Number.isNaN(value) && type !== 'DOUBLE')) appender.appendNull();
        else if (type === 'DOUBLE') appender.appendDouble(Number(value));
        else if (type === 'INTEGER') appender.appendInteger(Number(value));
        else if (type === 'BOOLEAN') appender.appendBoolean(value === true);
        else appender.appendVarchar(String(value));
      }
      appender.endRow();
    }
    appender.closeSync();
    await connection.run(`COPY scores TO ${sqlString(temporary)} (FORMAT parquet)`);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    await session.close();
  }
}
