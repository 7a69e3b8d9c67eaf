import { selectionSchema } from '../../src/config/schema.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { readModelCard } from '../../src/registry/champion.ts';
import { promoteChallenger } from '../../src/registry/promote-challenger.ts';
import { projectFlag, requestedProject } from '../champion-project.ts';
import type { Command } from '../command.ts';

/** Exit status of `promote` when the rules kept the champion (the JSON result, `promoted: false`, is still printed). */
export const KEPT_CHAMPION_EXIT_CODE = 3;

/** `tandem promote`: the champion/challenger rules of SPEC §6 for the model's project, then its champion pointer. */
export const promoteCommand: Command = {
  name: 'promote',
  summary: 'make a model its project\'s champion if it beats the current one on the same test rows (champions/<name>.json)',
  help: [
    'The champion belongs to a project: the config\'s name (--config, or --project NAME), else the name on the model\'s',
    'card. Other projects in the same store keep their champions. Both models are scored on the challenger\'s test rows.',
    'The challenger wins when its combined score is higher by selection.minGain (default 0.002) and no task\'s AUC drops',
    'by more than selection.maxTaskDrop (default 0.01); otherwise the champion stays and the reason names the task or',
    'the gain. --force skips these rules. A challenger whose tasks (names, types) or features (names, kinds) differ',
    'from the champion\'s is refused (exit 2, naming each difference), with or without --force: the API\'s clients send',
    'and read the champion\'s schema. --allow-schema-change accepts the change and promotes without the rules (the',
    'models cannot be scored on the same rows). Undo: tandem rollback.',
    '',
    `Exit status: 0 when --model is the champion afterwards (promoted, or already was), ${KEPT_CHAMPION_EXIT_CODE} when the rules kept`,
    'the current champion (the result, with promoted:false and the reason, is printed all the same), 2 bad usage or a',
    'schema difference, 1 failed while running.',
  ].join('\n'),
  flags: {
    model: { type: 'string', valueName: 'ID', description: 'the challenger' },
    project: { ...projectFlag, description: 'the project (a config\'s name) whose champion the model would become (default: the config\'s name, else the model card\'s)' },
    reason: { type: 'string', valueName: 'TEXT', description: 'why (kept in the pointer)' },
    force: { type: 'boolean', description: 'promote without the champion/challenger rules (not past a schema difference)' },
    'allow-schema-change': { type: 'boolean', description: 'accept a challenger whose tasks or features differ from the champion\'s' },
  },
  async run(context) {
    const modelId = context.flags.model;
    if (typeof modelId !== 'string') throw new BadInputError('promote needs --model ID', { value: '--model' });
    const store = await context.store();
    const card = await readModelCard(store, modelId);
    const project = (await requestedProject(context)) ?? card.name;
    if (card.name !== project) {
      throw new BadInputError(`model ${modelId} belongs to project ${card.name} (its card's name), not to ${project} (the config's name or --project)`, {
        value: modelId,
        details: [{ path: '--model', issue: `a model of project ${card.name}` }],
      });
    }
    const config = await context.optionalConfig();
    const selection = config?.name === project ? config.selection : selectionSchema.parse({});
    // The rules score both models.
    await selectBackend(context.env.backend);
    const outcome = await promoteChallenger(store, {
      project,
      modelId,
      selection,
      force: context.flags.force === true,
      allowSchemaChange: context.flags['allow-schema-change'] === true,
      schemaAdvice: 'retrain with the champion\'s tasks and features, or accept the change with --allow-schema-change',
      ...(typeof context.flags.reason === 'string' ? { reason: context.flags.reason } : {}),
    });
    const json = {
      project,
      championId: outcome.championId,
      previousId: outcome.previousId,
      promoted: outcome.promoted,
      reason: outcome.reason,
      ...(outcome.comparison === undefined ? {} : { comparison: outcome.comparison }),
      ...(outcome.schemaChanges === undefined ? {} : { schemaChanges: outcome.schemaChanges }),
    };
    if (!outcome.promoted) return { json, text: `${project}: ${outcome.reason}`, exitCode: outcome.championId === modelId ? 0 : KEPT_CHAMPION_EXIT_CODE };
    return {
      json,
      text: `${project}: champion is now ${outcome.championId ?? modelId}${outcome.previousId === null ? '' : ` (was ${outcome.previousId})`}: ${outcome.reason}`,
    };
  },
};
