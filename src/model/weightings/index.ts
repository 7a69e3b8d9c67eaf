import type { ModelConfig } from '../../config/schema.ts';
import { createFixedWeighting } from './fixed.ts';
import type { LossWeightingFactory } from './loss-weighting.ts';

/** Every loss-weighting strategy by its config name; the search picks them up from here. */
export const lossWeightings: Readonly<Record<ModelConfig['weighting'], LossWeightingFactory>> = {
  fixed: createFixedWeighting,
};
