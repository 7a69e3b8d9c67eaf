import type { ModelConfig } from '../../config/schema.ts';
import type { ArchitectureBuilder } from '../architecture.ts';
import { buildAdversarial } from './adversarial.ts';
import { buildCrossStitch } from './cross-stitch.ts';
import { buildEsmm } from './esmm.ts';
import { buildMmoe } from './mmoe.ts';
import { buildPle } from './ple.ts';
import { buildSharedBottom } from './shared-bottom.ts';
import { buildSingle } from './single.ts';

/** Every architecture by its config name; the search picks them up from here. */
export const architectureBuilders: Readonly<Record<ModelConfig['arch'], ArchitectureBuilder>> = {
  single: buildSingle,
  'shared-bottom': buildSharedBottom,
  mmoe: buildMmoe,
  ple: buildPle,
  'cross-stitch': buildCrossStitch,
  esmm: buildEsmm,
  adversarial: buildAdversarial,
};
