import { meanLoss, type BoostingLoss, type BoostingRows } from './boosted-trees.ts';

/** Full-batch Adam steps and rate: enough for a ridge fit on standardised inputs to settle. */
const steps = 300;
const rate = 0.05;

/**
 * The held-out loss of a linear model (ridge logistic regression, or ridge least squares on the standardised target)
 * fitted on `rows.fit`: what a task's trees must beat for their leaves to be worth adding. `values` are the inputs,
 * per input one value per data row; each is standardised on the fitted rows. The penalty is scikit-learn's default
 * (C = 1: ½‖w‖² against the summed loss). Undefined when the held-out rows cannot judge.
 */
export function linearHeldOutLoss(values: readonly Float64Array[], rows: BoostingRows, loss: BoostingLoss): number | undefined {
  if (!rows.canStopEarly) return undefined;
  const { fit, heldOut, yFit, yHeldOut } = rows;
  const width = values.length;
  const standardised = values.map((column) => standardiser(column, fit));
  const x = new Float64Array(fit.length * width);
  fit.forEach((r, i) => standardised.forEach((scale, f) => (x[i * width + f] = scale(r))));
  const weights = new Float64Array(width + 1);
  const gradient = new Float64Array(width + 1);
  const m = new Float64Array(width + 1);
  const v = new Float64Array(width + 1);
  const penalty = 1 / fit.length;
  for (let step = 1; step <= steps; step++) {
    gradient.fill(0);
    for (let i = 0; i < fit.length; i++) {
      const offset = i * width;
      let z = weights[width] as number;
      for (let f = 0; f < width; f++) z += (weights[f] as number) * (x[offset + f] as number);
      const error = (loss === 'logistic' ? 1 / (1 + Math.exp(-z)) : z) - (yFit[i] as number);
      for (let f = 0; f < width; f++) gradient[f] = (gradient[f] as number) + error * (x[offset + f] as number);
      gradient[width] = (gradient[width] as number) + error;
    }
    for (let f = 0; f <= width; f++) {
      const g = (gradient[f] as number) / fit.length + (f < width ? penalty * (weights[f] as number) : 0);
      m[f] = 0.9 * (m[f] as number) + 0.1 * g;
      v[f] = 0.999 * (v[f] as number) + 0.001 * g * g;
      const mHat = (m[f] as number) / (1 - 0.9 ** step);
      const vHat = (v[f] as number) / (1 - 0.999 ** step);
      weights[f] = (weights[f] as number) - (rate * mHat) / (Math.sqrt(vHat) + 1e-8);
    }
  }
  const scores = Float64Array.from(heldOut, (r) => {
    let z = weights[width] as number;
    standardised.forEach((scale, f) => (z += (weights[f] as number) * scale(r)));
    return z;
  });
  return meanLoss(scores, yHeldOut, loss);
}

/** `(value − mean) / std` of one input, its mean and spread taken over `rows`. */
function standardiser(column: Float64Array, rows: Int32Array): (row: number) => number {
  let mean = 0;
  for (const r of rows) mean += column[r] as number;
  mean /= rows.length || 1;
  let squares = 0;
  for (const r of rows) squares += ((column[r] as number) - mean) ** 2;
  const std = Math.sqrt(squares / (rows.length || 1)) || 1;
  return (row) => ((column[row] as number) - mean) / std;
}
