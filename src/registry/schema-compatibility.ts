import type { FeatureField } from '../model/model-card.ts';
import type { TaskScoringRule } from '../train/train-candidate.ts';

/** The parts of a model card that fix what a model takes and what it answers (a `ModelCard` is one). */
export interface ModelSchema {
  readonly modelId: string;
  readonly tasks: readonly Pick<TaskScoringRule, 'name' | 'type' | 'classes'>[];
  readonly features: readonly Pick<FeatureField, 'name' | 'kind'>[];
}

/**
 * How the challenger's schema differs from the champion's, one line per difference, empty when they match: tasks by
 * name, type and (multiclass) classes; input features by name and kind. Categories known to a categorical feature
 * may differ (each training fits its own vocabulary), as may the order of tasks or features. SPEC §8: a project's
 * champion is replaced only by a model with the same tasks and feature schema, so the API's clients keep sending the
 * same rows and reading the same scores.
 */
export function describeSchemaDifferences(challenger: ModelSchema, champion: ModelSchema): string[] {
  const differences: string[] = [];
  const championTasks = new Map(champion.tasks.map((task) => [task.name, task]));
  const challengerTasks = new Map(challenger.tasks.map((task) => [task.name, task]));
  for (const task of challenger.tasks) {
    const before = championTasks.get(task.name);
    if (before === undefined) differences.push(`task ${task.name} (${task.type}) is new: the champion has no such task`);
    else if (before.type !== task.type) differences.push(`task ${task.name} is ${task.type}, the champion's is ${before.type}`);
    else if (task.type === 'multiclass' && (task.classes ?? []).join('\u0000') !== (before.classes ?? []).join('\u0000')) {
      differences.push(`task ${task.name} has classes [${(task.classes ?? []).join(', ')}], the champion's [${(before.classes ?? []).join(', ')}]`);
    }
  }
  for (const task of champion.tasks) {
    if (!challengerTasks.has(task.name)) differences.push(`task ${task.name} (${task.type}) is missing: the champion has it`);
  }
  const championFeatures = new Map(champion.features.map((feature) => [feature.name, feature]));
  const challengerFeatures = new Map(challenger.features.map((feature) => [feature.name, feature]));
  for (const feature of challenger.features) {
    const before = championFeatures.get(feature.name);
    if (before === undefined) differences.push(`feature ${feature.name} (${feature.kind}) is new: the champion does not take it`);
    else if (before.kind !== feature.kind) differences.push(`feature ${feature.name} is ${feature.kind}, the champion's is ${before.kind}`);
  }
  for (const feature of champion.features) {
    if (!challengerFeatures.has(feature.name)) differences.push(`feature ${feature.name} (${feature.kind}) is missing: the champion takes it`);
  }
  return differences;
}
