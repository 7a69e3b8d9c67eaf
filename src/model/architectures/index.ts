import type { ModelConfig } from '../../config/schema.ts';
import type { ArchitectureBuilder } from '../architecture.ts';
import { buildSharedBottom } from './shared-bottom.ts';
import { buildSingle } from './single.ts';

/** Every architecture by its config name; the search picks them up from here. */
export const architectureBuilders: Readonly<Record<ModelConfig['arch'], ArchitectureBuilder>> = {
  single: buildSingle,
  'shared-bottom': buildSharedBottom,
};
