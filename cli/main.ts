import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config.ts';
import { readEnvironment, type TandemEnvironment } from '../src/config/environment.ts';
import type { TandemConfig } from '../src/config/schema.ts';
import { BadInputError } from '../src/errors/bad-input-error.ts';
import { InterruptedError } from '../src/errors/interrupted-error.ts';
import { printableText } from '../src/errors/printable-text.ts';
import { TandemError } from '../src/errors/tandem-error.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Command, CommandContext, CommandResult, Flags } from './command.ts';
import { commandLoaders, loadAllCommands } from './commands/index.ts';
import { globalFlags } from './global-flags.ts';
import { commandHelp, mainHelp } from './help-text.ts';
import { noStopControl, type StopSignals } from './stop-signals.ts';

/** Where the CLI writes; injectable so tests can run commands in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly interactive: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the process should stop (signals); commands that serve wait on it. */
  readonly stopped: Promise<void>;
  /**
   * The process's SIGINT/SIGTERM (bin/tandem.ts). A command that reads `stopped` or calls `takeOverStop()` stops by
   * itself; any other exits at once on a signal. Absent (tests in-process): no signal ever comes through it.
   */
  readonly stopSignals?: StopSignals;
}

/** Runs one CLI invocation and returns its exit status (0 ok, 1 failed, 2 bad usage or input, or the command's own). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const load = rest[0] === undefined || name !== 'help' ? undefined : commandLoaders[rest[0]];
    io.stdout(load === undefined ? mainHelp(await loadAllCommands()) : commandHelp(await load()));
    return 0;
  }
  const load = Object.hasOwn(commandLoaders, name) ? commandLoaders[name] : undefined;
  if (load === undefined) {
    io.stderr(printableText(`error: unknown command "${name}"; commands: ${Object.keys(commandLoaders).join(', ')}\n`));
    return 2;
  }
  const command = await load();
  try {
    const flags = parseFlags(command, rest);
    if (flags.help === true) {
      io.stdout(commandHelp(command));
      return 0;
    }
    let announced = false;
    const print = (result: CommandResult): void => {
      if (announced) return;
      announced = true;
      io.stdout(flags.json === true ? `${JSON.stringify(result.json)}\n` : result.text.endsWith('\n') ? result.text : `${result.text}\n`);
    };
    const context = createContext(flags, io, readEnvironmentOrThrow(io.env), print);
    const result = await command.run(context);
    print(result);
    return result.exitCode ?? 0;
  } catch (error) {
    io.stderr(describeError(error, io.env.TANDEM_DEBUG === '1'));
    return error instanceof TandemError ? error.exitCode : 1;
  }
}

function parseFlags(command: Command, args: readonly string[]): Flags {
  const all = { ...globalFlags, ...command.flags };
  const options = Object.fromEntries(
    Object.entries(all).map(([flag, spec]) => [flag, spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new BadInputError(`unexpected argument "${positionals[0]}" for "${command.name}"; see tandem ${command.name} --help`, { value: positionals[0] });
    return values as Flags;
  } catch (error) {
    if (error instanceof TandemError) throw error;
    throw new BadInputError(`${(error as Error).message.replace(/\. To specify.*$/s, '')} (tandem ${command.name} --help lists the flags)`, { cause: error });
  }
}

function readEnvironmentOrThrow(env: NodeJS.ProcessEnv): TandemEnvironment {
  try {
    return readEnvironment(env);
  } catch (error) {
    throw new BadInputError((error as Error).message, { cause: error });
  }
}

function createContext(flags: Flags, io: CliIo, env: TandemEnvironment, announce: (result: CommandResult) => void): CommandContext {
  let configPromise: Promise<TandemConfig | undefined> | undefined;
  let storePromise: Promise<BlobStore> | undefined;
  let writtenDataPaths: Readonly<Record<string, string>> = {};
  const configFile = typeof flags.config === 'string' ? flags.config : existsSync('tandem.config.json') ? 'tandem.config.json' : undefined;
  const optionalConfig = (): Promise<TandemConfig | undefined> => {
    configPromise ??=
      configFile === undefined
        ? Promise.resolve(undefined)
        : loadConfig(configFile).then((loaded) => {
            writtenDataPaths = loaded.writtenDataPaths;
            return loaded.config;
          });
    return configPromise;
  };
  return {
    env,
    json: flags.json === true,
    flags,
    interactive: io.interactive,
    log: (message) => io.stderr(`${message}\n`),
    writeProgress: (text) => io.stderr(text),
    optionalConfig,
    configDataPaths: () => writtenDataPaths,
    requireConfig: async () => {
      const config = await optionalConfig();
      if (config === undefined) throw new BadInputError('no config: pass --config FILE or create tandem.config.json (see examples/)', { value: '--config' });
      return config;
    },
    store: () => {
      storePromise ??= optionalConfig().then((config) => {
        const uri = typeof flags.store === 'string' ? flags.store : (config?.store ?? 'file://.tandem');
        return openStore(uri, { s3ClientConfig: env.s3ClientConfig });
      });
      return storePromise;
    },
    // Reading `stopped` (serve, demo, run --remote) means the command stops by itself on a signal.
    get stopped() {
      io.stopSignals?.takeOver();
      return io.stopped;
    },
    takeOverStop: () => io.stopSignals?.takeOver() ?? noStopControl(),
    announce,
  };
}

/** The error as printed on stderr: once, and never with raw bytes (a cell of a binary file) in it. */
function describeError(error: unknown, debug: boolean): string {
  return printableText(describeErrorText(error, debug));
}

function describeErrorText(error: unknown, debug: boolean): string {
  // Stopping on request is no error: the message says what was left behind and how to go on.
  if (error instanceof InterruptedError) return `${error.message}\n`;
  if (error instanceof BadInputError) {
    // Details the message already lists (e.g. each field of an invalid config) are not printed a second time.
    const extra = error.details.length > 1 ? error.details.filter((d) => !error.message.includes(`${d.path}: ${d.issue}`)) : [];
    return `error: ${error.message}\n${extra.map((d) => `  ${d.path}: ${d.issue}\n`).join('')}`;
  }
  if (error instanceof TandemError) return `error: ${error.message}\n${debug && error.stack ? `${error.stack}\n` : ''}`;
  const message = error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error);
  return `error: ${message}\n(set TANDEM_DEBUG=1 for the stack trace)\n`;
}
