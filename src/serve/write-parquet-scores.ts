import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { openDuckDbSession, sqlIdentifier, sqlString } from '../data/events/duckdb-session.ts';
import { flattenPrediction, scoreColumnTypes, type ScoredTask } from './score-columns.ts';
import type { CustomerPrediction } from './score-rows.ts';

/**
 * Writes predictions as one Parquet file through DuckDB (an appender into an in-memory table, then `COPY … TO`),
 * with the columns of the CSV output in the same order and typed (see {@link scoreColumnTypes}). Written to a
 * temporary file renamed into place, so a reader never sees half a file; rows keep the input's order.
 */
export async function writeParquetScores(file: string, predictions: readonly CustomerPrediction[], tasks: readonly ScoredTask[]): Promise<void> {
  const columns = scoreColumnTypes(tasks);
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
