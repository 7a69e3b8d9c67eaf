import { BadInputError } from '../errors/bad-input-error.ts';
import { trainSeedEnsemble, type TrainedModelResult } from './ensemble-candidate.ts';
import { trainFoldBag } from './fold-bag.ts';
import type { TrainCandidateArgs } from './train-candidate.ts';

/**
 * What `train` trains for a config's model settings: a fold bag (`model.bagFolds` > 1), else one candidate or, with
 * `model.ensembleSeeds` > 1, a seed ensemble when it wins. Shared by `train` (and so the workflows) and the benches.
 */
export async function trainModel(args: TrainCandidateArgs): Promise<TrainedModelResult> {
  const { bagFolds, ensembleSeeds } = args.params;
  if (bagFolds > 1 && ensembleSeeds > 1) {
    throw new BadInputError(`model.bagFolds (${String(bagFolds)}) and model.ensembleSeeds (${String(ensembleSeeds)}) are both above 1: a model averages either seed copies or fold copies, so set one of them to 1`, {
      details: [{ path: 'model.bagFolds', issue: 'not with model.ensembleSeeds > 1' }],
    });
  }
  return bagFolds > 1 ? trainFoldBag(args) : trainSeedEnsemble(args);
}
