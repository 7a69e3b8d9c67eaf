import { TandemError } from '../errors/tandem-error.ts';

/** A column of numbers as the metrics take it: model outputs, labels or predictions, one entry per row. */
export type NumericVector = Float64Array | Float32Array | readonly number[];

/**
 * Checks that `values` and `labels` describe the same rows and hold only finite numbers, and, when `binaryLabels`
 * is set, that every label is 0 or 1. A failure here is a bug upstream (a diverged model, a misaligned column), not
 * bad user input, so it throws a plain TandemError naming the row.
 */
export function checkMetricInput(
  values: NumericVector,
  labels: NumericVector,
  { binaryLabels = false, what = 'scores' }: { readonly binaryLabels?: boolean; readonly what?: string } = {},
): void {
  if (values.length !== labels.length) {
    throw new TandemError(`metrics: ${values.length} ${what} but ${labels.length} labels`, {
      value: { values: values.length, labels: labels.length },
    });
  }
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) {
      throw new TandemError(`metrics: ${what}[${i}] is ${value}, expected a finite number`, { value });
    }
    const label = labels[i] as number;
    if (binaryLabels ? label !== 0 && label !== 1 : !Number.isFinite(label)) {
      throw new TandemError(
        `metrics: labels[${i}] is ${label}, expected ${binaryLabels ? '0 or 1' : 'a finite number'}`,
        { value: label },
      );
    }
  }
}
