import type { Command } from '../command.ts';

/**
 * Every CLI command by name, in the order `--help` lists them, loaded on demand: a `tandem trial` worker or a
 * `--help` does not pay for importing TensorFlow.js, DuckDB and the AWS SDK for commands it does not run.
 */
export const commandLoaders: Readonly<Record<string, () => Promise<Command>>> = {
  demo: async () => (await import('./demo.ts')).demoCommand,
  generate: async () => (await import('./generate.ts')).generateCommand,
  ingest: async () => (await import('./ingest.ts')).ingestCommand,
  features: async () => (await import('./features.ts')).featuresCommand,
  train: async () => (await import('./train.ts')).trainCommand,
  search: async () => (await import('./search.ts')).searchCommand,
  score: async () => (await import('./score.ts')).scoreCommand,
  promote: async () => (await import('./promote.ts')).promoteCommand,
  rollback: async () => (await import('./rollback.ts')).rollbackCommand,
  serve: async () => (await import('./serve.ts')).serveCommand,
  trial: async () => (await import('./trial.ts')).trialCommand,
  report: async () => (await import('./report.ts')).reportCommand,
  run: async () => (await import('./run.ts')).runCommand,
};

/** Loads every command (for the overview help). */
export function loadAllCommands(): Promise<Command[]> {
  return Promise.all(Object.values(commandLoaders).map((load) => load()));
}
