import type { TandemConfig } from '../src/config/schema.ts';
import type { TandemEnvironment } from '../src/config/environment.ts';
import type { BlobStore } from '../src/store/blob-store.ts';

/** One flag of a command. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  /** Shown in help as `--flag VALUE`. */
  readonly valueName?: string;
  readonly short?: string;
}

/** Parsed flag values, by flag name. */
export type Flags = Readonly<Record<string, string | boolean | undefined>>;

/** What every command gets from the composition root. */
export interface CommandContext {
  readonly env: TandemEnvironment;
  /** `--json`: one JSON document on stdout and nothing else there. */
  readonly json: boolean;
  readonly flags: Flags;
  /** A log line on stderr (progress and logs never go to stdout). */
  log(message: string): void;
  /** Raw text on stderr, for progress bars that rewrite their line. */
  writeProgress(text: string): void;
  /** Whether stderr is a terminal (progress bars) or not (plain lines). */
  readonly interactive: boolean;
  /** The config from `--config` or `tandem.config.json`; BadInputError naming the flag when there is none. */
  requireConfig(): Promise<TandemConfig>;
  /** The config if one was given or found, else undefined. */
  optionalConfig(): Promise<TandemConfig | undefined>;
  /** The store from `--store`, else the config's `store`, else `file://.tandem`. */
  store(): Promise<BlobStore>;
  /**
   * Prints a result now (the JSON document with --json, else the text) for commands that go on running, such as
   * `serve`; the CLI then prints nothing more on stdout when the command returns.
   */
  announce(result: CommandResult): void;
  /** Resolves once the process is asked to stop (SIGINT/SIGTERM); long-running commands wait on it. */
  readonly stopped: Promise<void>;
}

/** What a command produced: the `--json` document and the lines a person reads instead. */
export interface CommandResult {
  readonly json: unknown;
  readonly text: string;
}

/** A CLI command: its flags, help text and behaviour. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Extra help paragraphs (examples, defaults). */
  readonly help?: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  run(context: CommandContext): Promise<CommandResult>;
}
