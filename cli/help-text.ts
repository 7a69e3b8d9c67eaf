import type { Command, FlagSpec } from './command.ts';
import { globalFlags } from './global-flags.ts';

function flagLines(flags: Readonly<Record<string, FlagSpec>>): string[] {
  const entries = Object.entries(flags).map(([name, spec]) => {
    const left = `  --${name}${spec.valueName === undefined ? '' : ` ${spec.valueName}`}`;
    return [left, spec.description] as const;
  });
  const width = Math.max(...entries.map(([left]) => left.length)) + 2;
  return entries.map(([left, description]) => `${left.padEnd(width)}${description}`);
}

/** `tandem <command> --help`. */
export function commandHelp(command: Command): string {
  return [
    `tandem ${command.name} — ${command.summary}`,
    '',
    `Usage: npm run --silent tandem -- ${command.name} [flags]`,
    ...(command.help === undefined ? [] : ['', command.help]),
    '',
    'Flags:',
    ...flagLines(command.flags),
    '',
    'Global flags:',
    ...flagLines(globalFlags),
    '',
  ].join('\n');
}

/** `tandem --help`. */
export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'tandem — one multi-task customer model (purchase intent, churn, cross-sell), trained, scored and served.',
    '',
    'Usage: npm run --silent tandem -- <command> [flags]      (or: npx tsx bin/tandem.ts <command>)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global flags:',
    ...flagLines(globalFlags),
    '',
    'Exit status: 0 ok, 1 failed while running, 2 bad usage or bad input; promote: 3 when the rules kept the champion.',
    'Environment: TANDEM_BACKEND (tensorflow|wasm|cpu), TANDEM_API_KEYS, PORT, TANDEM_S3_ENDPOINT, TANDEM_SFN_ENDPOINT.',
    'Run `tandem <command> --help` for a command\'s flags.',
    '',
  ].join('\n');
}
