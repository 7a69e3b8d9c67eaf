import type { RawRow } from '../data/labelled-row.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { scoreRows, type CustomerPrediction } from './score-rows.ts';
import type { ServingForward } from './serving-forward.ts';

/** Options of {@link createPredictionBatcher}. */
export interface PredictionBatcherOptions {
  /**
   * The longest, in milliseconds, a prediction waits for a busy model; 0 turns batching off (every request gets its
   * own forward pass). A request for a model with no forward pass in flight is scored at once; requests that arrive
   * while one is in flight gather and are scored together when it ends, or when this window closes if that is sooner.
   * @default 1
   */
  readonly windowMs?: number;
  /**
   * A batch is scored at once when it holds this many rows; a request this large is never held back.
   * @default 1000
   */
  readonly maxBatchRows?: number;
  /**
   * The forward pass of a model (e.g. a createServingForwardCache), so a model is compiled once, not per batch.
   * @default none: each batch makes its own (createServingForward)
   */
  readonly forwardOf?: (model: LoadedModel) => ServingForward;
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
 * Dynamic micro-batching of predictions: a request for an idle model is scored at once (a waiting window would only
 * add latency when nothing else is running); requests for the same model that arrive while its forward pass is in
 * flight are concatenated (`[Σ rows, features]`), scored with one `predict` as soon as that pass ends (or `windowMs`
 * after the first of them), and the outputs are split back per request. Per-row work (preprocessing, the network,
 * deciles, segments) does not depend on the other rows, so each request gets the numbers it would get alone, while
 * the fixed cost of a forward pass is paid once per batch. Under load the batch grows to what arrived during a pass.
 *
 * Batches are keyed by the model object: a hot-swapped champion is a new object, so a batch never mixes models, and
 * every request in a batch holds its own lease on the batch's model, so the model cannot be disposed under it.
 *
 * @throws BadInputError when `windowMs` is negative or not finite, or `maxBatchRows` is not a positive integer.
 */
export function createPredictionBatcher({ windowMs = 1, maxBatchRows = 1000, forwardOf }: PredictionBatcherOptions = {}): PredictionBatcher {
  if (!Number.isFinite(windowMs) || windowMs < 0) {
    throw new BadInputError(`batch window must be 0 (off) or a positive number of milliseconds, got ${windowMs}`, { value: windowMs });
  }
  if (!Number.isInteger(maxBatchRows) || maxBatchRows < 1) {
    throw new BadInputError(`maxBatchRows must be a positive integer, got ${maxBatchRows}`, { value: maxBatchRows });
  }
  // Async, so a forward pass that cannot be made (a disposed network) rejects the request instead of throwing here.
  const score: ScoreFunction = async (model, rows, fallbackIds) =>
    scoreRows(model, rows, { ...(fallbackIds === undefined ? {} : { fallbackIds }), ...(forwardOf === undefined ? {} : { forward: forwardOf(model) }) });
  const open = new Map<LoadedModel, OpenBatch>();
  // Forward passes in flight per model (absent: none). The batch gathering behind them runs when the last one ends.
  const inFlight = new Map<LoadedModel, number>();

  const track = (model: LoadedModel, pass: Promise<void>): void => {
    inFlight.set(model, (inFlight.get(model) ?? 0) + 1);
    void pass.finally(() => {
      const left = (inFlight.get(model) ?? 1) - 1;
      if (left > 0) {
        inFlight.set(model, left);
        return;
      }
      inFlight.delete(model);
      const waiting = open.get(model);
      if (waiting !== undefined) flush(waiting);
    });
  };

  const flush = (batch: OpenBatch): void => {
    if (open.get(batch.model) === batch) open.delete(batch.model);
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    batch.timer = undefined;
    track(batch.model, scoreBatch(batch, score));
  };

  return {
    score(model, rows) {
      if (windowMs === 0) return score(model, rows);
      let batch = open.get(model);
      if (batch !== undefined && batch.rows + rows.length > maxBatchRows) {
        flush(batch);
        batch = undefined;
      }
      if (batch === undefined && (rows.length >= maxBatchRows || !inFlight.has(model))) {
        // Nothing to wait for (an idle model), or nothing to gain (a full batch on its own): score it now.
        const scored = score(model, rows);
        track(
          model,
          scored.then(
            () => undefined,
            () => undefined,
          ),
        );
        return scored;
      }
      if (batch === undefined) {
        const created: OpenBatch = { model, requests: [], rows: 0, timer: undefined };
        created.timer = setTimeout(() => flush(created), windowMs);
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

/** `scoreRows` with the batcher's forward passes. */
type ScoreFunction = (model: LoadedModel, rows: readonly RawRow[], fallbackIds?: readonly string[]) => Promise<CustomerPrediction[]>;

/** Scores a closed batch with one `scoreRows` call and hands each request its slice. */
async function scoreBatch({ model, requests }: OpenBatch, score: ScoreFunction): Promise<void> {
  if (requests.length === 1) {
    const [only] = requests as [PendingRequest];
    await score(model, only.rows).then(only.resolve, only.reject);
    return;
  }
  const rows = requests.flatMap((request) => request.rows);
  // Ids fall back to each row's 1-based position in its own request, as when the request is scored alone.
  const fallbackIds = requests.flatMap((request) => request.rows.map((_, i) => String(i + 1)));
  let predictions: CustomerPrediction[];
  try {
    predictions = await score(model, rows, fallbackIds);
  } catch {
    // One request's rows must not fail its neighbours: score each alone, so only the culprit sees the error.
    await Promise.all(requests.map((request) => score(model, request.rows).then(request.resolve, request.reject)));
    return;
  }
  let at = 0;
  for (const request of requests) {
    request.resolve(predictions.slice(at, at + request.rows.length));
    at += request.rows.length;
  }
}
