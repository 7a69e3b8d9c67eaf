import { createRandomSampler } from './samplers/random-sampler.ts';
import type { Sampler } from './samplers/sampler.ts';
import { createTpeSampler } from './samplers/tpe-sampler.ts';
import type { SearchSettings } from './stored-run.ts';

/**
 * The sampler of a search (TPE for `tpe`, random for `random` and `asha`), with the one seeding rule every driver
 * uses: `settings.seed` plus the number of trials the run already has. A new search (0 trials) draws the same
 * parameters whichever driver runs it (`tandem search` or the workflow); a resumed one draws fresh ones instead of
 * repeating the first draws.
 */
export function createSearchSampler(settings: SearchSettings, existingTrials: number): Sampler {
  const seed = settings.seed + existingTrials;
  return settings.strategy === 'tpe' ? createTpeSampler(seed, { startupTrials: settings.startupTrials }) : createRandomSampler(seed);
}
