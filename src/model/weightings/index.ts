import type { ModelConfig } from '../../config/schema.ts';
import { createDtpWeighting } from './dtp.ts';
import { createDwaWeighting } from './dwa.ts';
import { createFixedWeighting } from './fixed.ts';
import { createGradNormWeighting } from './gradnorm.ts';
import type { LossWeightingFactory } from './loss-weighting.ts';
import { createPcGradWeighting } from './pcgrad.ts';
import { createUncertaintyWeighting } from './uncertainty.ts';

/** Every loss-weighting strategy by its config name; the search picks them up from here. */
export const lossWeightings: Readonly<Record<ModelConfig['weighting'], LossWeightingFactory>> = {
  fixed: createFixedWeighting,
  gradnorm: createGradNormWeighting,
  pcgrad: createPcGradWeighting,
  uncertainty: createUncertaintyWeighting,
  dwa: createDwaWeighting,
  dtp: createDtpWeighting,
};
