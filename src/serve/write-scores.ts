import { openScoreChunkWriter } from './score-chunk-writer.ts';
import type { ScoredTask } from './score-columns.ts';
import type { CustomerPrediction } from './score-rows.ts';

export { flattenPrediction, scoreColumns, type ScoredTask } from './score-columns.ts';

/**
 * Writes predictions held in memory as CSV, JSONL or Parquet (by extension): the chunked writer that `tandem score`
 * streams through, given every prediction as one chunk, so both write the same bytes. Nothing appears at `file`
 * until it is complete (a temporary file renamed into place).
 * @throws BadInputError for another extension.
 */
export async function writeScores(file: string, predictions: readonly CustomerPrediction[], tasks: readonly ScoredTask[]): Promise<void> {
  const writer = await openScoreChunkWriter(file, tasks);
  try {
    await writer.write(predictions);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
