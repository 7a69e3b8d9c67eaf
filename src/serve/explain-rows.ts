import type { RawRow, RawValue } from '../data/labelled-row.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { scoreRows, type CustomerPrediction } from './score-rows.ts';
import { createServingForward, type ServingForward } from './serving-forward.ts';

/** How much one feature moved one task's score for one customer (a reason code). */
export interface FeatureAttribution {
  readonly feature: string;
  /** The customer's value of the feature as sent (null when missing). */
  readonly value: RawValue;
  /**
   * score − score with this feature missing: positive pushed the score up. Probability or label units; for a
   * multiclass task, of the probability of the class predicted for the row as sent.
   */
  readonly contribution: number;
}

/** One customer's reason codes: per served task, the top features by |contribution|, largest first. */
export interface CustomerExplanation {
  readonly id: string;
  readonly tasks: Record<string, FeatureAttribution[]>;
}

/** Options of {@link explainRows}. */
export interface ExplainRowsOptions {
  /**
   * Attributions kept per customer and task.
   * @default 5
   */
  readonly top?: number;
  /**
   * Scored rows (originals plus occluded copies) per chunk: between chunks the explanation yields to the event loop
   * (`setImmediate`), so a large request does not hold up `/healthz` or predictions for its whole duration.
   * @default 1024
   */
  readonly chunkScoredRows?: number;
  /**
   * The model's forward pass (see createServingForward).
   * @default one made for this call
   */
  readonly forward?: ServingForward;
}

/**
 * Reason codes by occlusion: for every feature column of the model, the row is scored again with that value
 * removed (so the preprocessor imputes it: the training median, the training share of yes, or the
 * out-of-vocabulary bucket), and the attribution is the change that removing it undoes. Rows are explained in
 * chunks of about `chunkScoredRows / (features + 1)` rows; each chunk's originals and occluded copies go through one
 * `scoreRows` call (one batched forward pass), and the event loop gets a turn between chunks. A feature the row
 * leaves missing contributes exactly 0.
 */
export async function explainRows(
  model: LoadedModel,
  rows: readonly RawRow[],
  { top = 5, chunkScoredRows = 1024, forward = createServingForward(model) }: ExplainRowsOptions = {},
): Promise<CustomerExplanation[]> {
  const features = model.preprocessor.columns.map((column) => column.name);
  const rowsPerChunk = Math.max(1, Math.floor(chunkScoredRows / (features.length + 1)));
  const explanations: CustomerExplanation[] = [];
  for (let start = 0; start < rows.length; start += rowsPerChunk) {
    if (start > 0) await yieldToEventLoop();
    explanations.push(...(await explainChunk(model, forward, rows.slice(start, start + rowsPerChunk), start, features, top)));
  }
  return explanations;
}

/** Lets pending I/O callbacks (other requests) run before the next chunk. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Explains `rows`, the rows at `offset..` of the request (their fallback ids are their positions in the request). */
async function explainChunk(
  model: LoadedModel,
  forward: ServingForward,
  rows: readonly RawRow[],
  offset: number,
  features: readonly string[],
  top: number,
): Promise<CustomerExplanation[]> {
  const batch: RawRow[] = [...rows];
  for (const row of rows) {
    for (const feature of features) batch.push({ ...row, [feature]: null });
  }
  const predictions = await scoreRows(model, batch, { fallbackIds: rows.map((_, r) => String(offset + r + 1)), forward });
  const tasks = model.card.tasks.filter((task) => !task.auxiliary).map((task) => task.name);
  return rows.map((row, r) => {
    const original = predictions[r];
    if (original === undefined) throw new Error(`scoreRows returned ${predictions.length} predictions for ${batch.length} rows`);
    const explained: Record<string, FeatureAttribution[]> = {};
    for (const task of tasks) {
      // Multiclass: explain the probability of the class predicted for the row as sent, whatever the occluded rows predict.
      const predictedClass = original.classes?.[task];
      const scoreOf = (prediction: CustomerPrediction | undefined): number =>
        (predictedClass === undefined ? prediction?.scores[task] : prediction?.probabilities?.[task]?.[predictedClass]) as number;
      const score = scoreOf(original);
      const attributions = features.map((feature, f) => {
        const occluded = scoreOf(predictions[rows.length + r * features.length + f]);
        return { feature, value: row[feature] ?? null, contribution: score - occluded };
      });
      // Array.prototype.sort is stable: equal |Δ| keep the model's column order.
      attributions.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
      explained[task] = attributions.slice(0, top);
    }
    return { id: original.id, tasks: explained };
  });
}
