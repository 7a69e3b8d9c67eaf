import type * as tf from '@tensorflow/tfjs';
import { applyDenseStack, applyTowers, type ArchitectureBuilder } from '../architecture.ts';
import { applyExpertGate } from '../layers/mixture-of-experts.ts';

/**
 * Progressive Layered Extraction (Tang et al. 2020): `ple.levels` stacked CGC levels. At each level every task has
 * `ple.taskExperts` experts of its own and all tasks share `ple.sharedExperts` experts (MLPs with the widths of
 * sharedUnits); a softmax gate per task mixes its own and the shared experts into the task's input to the next level
 * (its tower after the last one); below the last level a shared gate mixes every expert into the input of the next
 * level's shared experts. Level 0 reads the input `[batch, inputWidth]`; every gated output is
 * `[batch, sharedUnits.at(-1)]`. The shared experts of every level are the shared representations.
 */
export const buildPle: ArchitectureBuilder = (context) => {
  const { levels, sharedExperts, taskExperts } = context.params.ple;
  const sharedOutputs: tf.SymbolicTensor[] = [];
  let sharedInput = context.input;
  let taskInputs = new Map(context.tasks.map((task) => [task.name, context.input]));
  for (let level = 0; level < levels; level++) {
    const shared = Array.from({ length: sharedExperts }, (_, s) => applyDenseStack(context, sharedInput, context.params.sharedUnits, `ple${level}_shared_expert${s}`));
    sharedOutputs.push(...shared);
    const own = new Map(
      context.tasks.map((task) => [
        task.name,
        Array.from({ length: taskExperts }, (_, e) =>
          applyDenseStack(context, taskInputs.get(task.name) as tf.SymbolicTensor, context.params.sharedUnits, `${task.name}_ple${level}_expert${e}`),
        ),
      ]),
    );
    const next = new Map(
      context.tasks.map((task) => [
        task.name,
        applyExpertGate(context, taskInputs.get(task.name) as tf.SymbolicTensor, [...(own.get(task.name) as tf.SymbolicTensor[]), ...shared], `${task.name}_ple${level}`),
      ]),
    );
    if (level < levels - 1) sharedInput = applyExpertGate(context, sharedInput, [...[...own.values()].flat(), ...shared], `ple${level}_shared`);
    taskInputs = next;
  }
  return { outputs: applyTowers(context, (task) => taskInputs.get(task.name) as tf.SymbolicTensor), shared: sharedOutputs };
};
