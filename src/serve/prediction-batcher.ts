import type { RawRow } from '../data/labelled-row.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { scoreRows, type CustomerPrediction } from './score-rows.ts';

/** Options of {@link createPredictionBatcher}. */
export interface PredictionBatcherOptions {
  /**
   * How long, in milliseconds, the first prediction of a batch waits for others to join it; 0 turns batching off
   * (every request gets its own forward pass). A server without concurrent load does not wait: a request that is
   * alone at the end of its event-loop turn, right after a batch that was alone too, is scored at once.
   * @default 1
   */
  readonly windowMs?: number;
  /**
   * A batch is scored at once when it holds this many rows; a request this large is never held back.
   * @default 1000
   */
  readonly maxBatchRows?: number;
}

/** Scores rows like {@link scoreRows}, letting concurrent requests on the same model share one forward pass. */
export interface PredictionBatcher {
  /**
   * Resolves to exactly what `scoreRows(model, rows)` gives (same ids, same numbers). The caller must hold a lease on
   * `model` until the promise settles: that lease is what keeps the network undisposed while the batch waits and runs.
   */
  score(model: LoadedModel, rows: readonly RawRow[]): Promise<CustomerPrediction[]>;
}

interface PendingRequest {
  readonly rows: readonly RawRow[];
  readonly resolve: (predictions: CustomerPrediction[]) => void;
  readonly reject: (error: unknown) => void;
}

interface OpenBatch {
  readonly model: LoadedModel;
  readonly requests: PendingRequest[];
  rows: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Dynamic micro-batching of predictions: requests for the same model that arrive within `windowMs` of the first one
 * are concatenated (`[Σ rows, features]`), scored with one `predict`, and the outputs are split back per request.
 * Per-row work (preprocessing, the network, deciles, segments) does not depend on the other rows, so each request
 * gets the numbers it would get alone, while the fixed cost of a forward pass is paid once per batch.
 *
 * Batches are keyed by the model object: a hot-swapped champion is a new object, so a batch never mixes models, and
 * every request in a batch holds its own lease on the batch's model, so the model cannot be disposed under it.
 *
 * @throws BadInputError when `windowMs` is negative or not finite, or `maxBatchRows` is not a positive integer.
 */
export function createPredictionBatcher({ windowMs = 1, maxBatchRows = 1000 }: PredictionBatcherOptions = {}): PredictionBatcher {
  if (!Number.isFinite(windowMs) || windowMs < 0) {
    throw new BadInputError(`batch window must be 0 (off) or a positive number of milliseconds, got ${windowMs}`, { value: windowMs });
  }
  if (!Number.isInteger(maxBatchRows) || maxBatchRows < 1) {
    throw new BadInputError(`maxBatchRows must be a positive integer, got ${maxBatchRows}`, { value: maxBatchRows });
  }
  const open = new Map<LoadedModel, OpenBatch>();
  // Whether the last batch closed with company: under load, waiting the window pays; when idle it only adds latency.
  let loaded = false;

  const flush = (batch: OpenBatch): void => {
    if (open.get(batch.model) === batch) open.delete(batch.model);
    loaded = batch.requests.length > 1;
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    batch.timer = undefined;
    void scoreBatch(batch);
  };

  return {
    score(model, rows) {
      if (windowMs === 0 || rows.length >= maxBatchRows) return scoreRows(model, rows);
      let batch = open.get(model);
      if (batch !== undefined && batch.rows + rows.length > maxBatchRows) {
        flush(batch);
        batch = undefined;
      }
      if (batch === undefined) {
        const created: OpenBatch = { model, requests: [], rows: 0, timer: undefined };
        created.timer = setTimeout(() => flush(created), windowMs);
        setImmediate(() => {
          if (open.get(model) === created && created.requests.length === 1 && !loaded) flush(created);
        });
        open.set(model, created);
        batch = created;
      }
      const joined = batch;
      return new Promise<CustomerPrediction[]>((resolve, reject) => {
        joined.requests.push({ rows, resolve, reject });
        joined.rows += rows.length;
        if (joined.rows >= maxBatchRows) flush(joined);
      });
    },
  };
}

/** Scores a closed batch with one `scoreRows` call and hands each request its slice. */
async function scoreBatch({ model, requests }: OpenBatch): Promise<void> {
  if (requests.length === 1) {
    const [only] = requests as [PendingRequest];
    await scoreRows(model, only.rows).then(only.resolve, only.reject);
    return;
  }
  const rows = requests.flatMap((request) => request.rows);
  // Ids fall back to each row's 1-based position in its own request, as when the request is scored alone.
  const fallbackIds = requests.flatMap((request) => request.rows.map((_, i) => String(i + 1)));
  let predictions: CustomerPrediction[];
  try {
    predictions = await scoreRows(model, rows, fallbackIds);
  } catch {
    // One request's rows must not fail its neighbours: score each alone, so only the culprit sees the error.
    await Promise.all(requests.map((request) => scoreRows(model, request.rows).then(request.resolve, request.reject)));
    return;
  }
  let at = 0;
  for (const request of requests) {
    request.resolve(predictions.slice(at, at + request.rows.length));
    at += request.rows.length;
  }
}
