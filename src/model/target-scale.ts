/** Mean and spread of a regression target: the network learns `(y - mean) / std`. */
export interface TargetScale {
  readonly mean: number;
  readonly std: number;
  /** All training labels were ≥ 0 (spend, counts): served predictions are clipped at 0. */
  readonly nonNegative?: boolean;
}

/** The scale of a task without one (binary, multiclass): the identity. */
export const identityScale: TargetScale = { mean: 0, std: 1 };
