import type { NotifyOutput, PromoteOutput } from '../workflow-state.ts';

/** Where the workflow's outcome goes (an SNS topic on AWS, the log locally). */
export type OutcomePublisher = (subject: string, message: string) => Promise<void> | void;

/** The workflow's notify step: one line saying what the run concluded, published, and returned as the result. */
export async function notifyOutcome(publish: OutcomePublisher, input: PromoteOutput): Promise<NotifyOutput> {
  const message = input.promoted
    ? `run ${input.runId}: ${input.championId ?? 'n/a'} is the new champion (${input.reason})`
    : `run ${input.runId}: champion ${input.championId ?? 'none'} kept (${input.reason})`;
  await publish(`Tandem run ${input.runId}`, message);
  return { ...input, message };
}
