import { BadInputError } from '../src/errors/bad-input-error.ts';
import { assertProjectName, resolveChampionProject } from '../src/registry/champion.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
import type { CommandContext, FlagSpec } from './command.ts';

/** `--project NAME`: the flag of every command that acts on a champion. */
export const projectFlag: FlagSpec = {
  type: 'string',
  valueName: 'NAME',
  description: 'the project (a config\'s name) whose champion to use (default: the config\'s name, else the store\'s only project)',
};

/**
 * The project a command was told about: `--project NAME`, else the config's `name` (from `--config` or
 * `tandem.config.json`), else undefined. BadInputError when both are given and differ.
 */
export async function requestedProject(context: Pick<CommandContext, 'flags' | 'optionalConfig'>): Promise<string | undefined> {
  const flag = context.flags.project;
  const config = await context.optionalConfig();
  if (typeof flag === 'string') {
    assertProjectNameFlag(flag);
    if (config !== undefined && config.name !== flag) {
      throw new BadInputError(`--project ${flag} differs from the config's name "${config.name}": give one of them`, {
        value: flag,
        details: [{ path: '--project', issue: `the config names project ${config.name}` }],
      });
    }
    return flag;
  }
  return config?.name;
}

/**
 * The project whose champion a command acts on: {@link requestedProject}, else the only project with a champion in
 * `store` (NotFoundError when there is none, BadInputError naming them when there are several).
 */
export async function championProject(context: Pick<CommandContext, 'flags' | 'optionalConfig'>, store: BlobStore): Promise<string> {
  return resolveChampionProject(store, await requestedProject(context));
}

function assertProjectNameFlag(flag: string): void {
  try {
    assertProjectName(flag);
  } catch (error) {
    throw new BadInputError(`--project: ${(error as Error).message}`, { value: flag, cause: error, details: [{ path: '--project', issue: 'not a project name' }] });
  }
}
