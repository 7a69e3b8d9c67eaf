import type * as tf from '@tensorflow/tfjs';
import { BadInputError, type InputIssue } from '../../errors/bad-input-error.ts';
import { applyDenseStack, applyTowers, type ArchitectureBuilder, type TaskHead } from '../architecture.ts';
import { ProductLogit } from '../layers/product-logit.ts';
import { ProductValue } from '../layers/product-value.ts';

/**
 * ESMM (Ma et al. 2018): a shared bottom and a tower per task, where a task conditioned on a binary task A outputs the
 * product along the chain — binary: the logit of P(A)·P(B|A); regression: the standardised P(A)·c, with c the value
 * given A in label units. Conditioned tasks train on their own (joint) labels over the whole population, so the
 * conditional heads are learned without ever seeing "given A" as a filter. Throws a {@link BadInputError} when no
 * task is conditioned (the architecture would be a plain shared bottom) or a condition is unusable.
 */
export const buildEsmm: ArchitectureBuilder = (context) => {
  // Checked before any layer exists, so a rejected config leaves no weights behind.
  checkConditions(context.tasks);
  const shared = applyDenseStack(context, context.input, context.params.sharedUnits, 'shared');
  const heads = applyTowers(context, () => shared);
  const byName = new Map(context.tasks.map((task) => [task.name, task]));
  const outputs: Record<string, tf.SymbolicTensor> = {};
  const outputOf = (task: TaskHead): tf.SymbolicTensor => {
    const done = outputs[task.name];
    if (done !== undefined) return done;
    const head = heads[task.name] as tf.SymbolicTensor;
    let output = head;
    if (task.conditionedOn !== undefined) {
      // The condition's output is already its own chain's product (a logit), so chains compose.
      const condition = outputOf(byName.get(task.conditionedOn) as TaskHead);
      const name = `${task.name}_esmm`;
      const product =
        task.type === 'binary'
          ? context.layer(name, () => new ProductLogit({ name }))
          : context.layer(name, () => new ProductValue({ name, mean: task.scale?.mean ?? 0, std: task.scale?.std ?? 1 }));
      output = product.apply([condition, head]) as tf.SymbolicTensor;
    }
    outputs[task.name] = output;
    return output;
  };
  context.tasks.forEach(outputOf);
  return { outputs, shared: [shared] };
};

/** Throws a {@link BadInputError} unless some task is conditioned and every condition is a binary task, acyclic. */
function checkConditions(tasks: readonly TaskHead[]): void {
  if (!tasks.some((task) => task.conditionedOn !== undefined)) {
    throw new BadInputError(
      `esmm needs a task with "conditionedOn" (e.g. a cross-sell task conditioned on a purchase task); none of ${tasks.map((task) => `"${task.name}"`).join(', ')} has one`,
      { value: tasks.map((task) => task.name), details: [{ path: 'tasks', issue: 'esmm needs a task with "conditionedOn"' }] },
    );
  }
  const issues: InputIssue[] = [];
  tasks.forEach((task, i) => {
    if (task.conditionedOn === undefined) return;
    const path = `tasks[${i}].conditionedOn`;
    if (task.type === 'multiclass') issues.push({ path, issue: 'a multiclass task cannot be conditioned' });
    const seen = [task.name];
    for (let current: string | undefined = task.conditionedOn; current !== undefined; ) {
      const name: string = current;
      const parent: TaskHead | undefined = tasks.find((t) => t.name === name);
      if (parent === undefined || parent.type !== 'binary') {
        issues.push({ path, issue: `"${name}" is not a binary task of this model` });
        break;
      }
      if (seen.includes(name)) {
        issues.push({ path, issue: `conditions form a cycle: ${[...seen, name].join(' → ')}` });
        break;
      }
      seen.push(name);
      current = parent.conditionedOn;
    }
  });
  if (issues.length > 0) throw new BadInputError(`esmm cannot use these conditions: ${issues.map((i) => `${i.path}: ${i.issue}`).join('; ')}`, { details: issues });
}
