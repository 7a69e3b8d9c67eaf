import type { TandemConfig } from '../src/config/schema.ts';
import type { TandemEnvironment } from '../src/config/environment.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
import type { StopControl } from './stop-signals.ts';

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
  /**
   * The loaded config's data paths as its file wrote them, by field (`data.path`, …), for messages about missing
   * files; empty before the config is loaded or when there is none.
   */
  configDataPaths?(): Readonly<Record<string, string>>;
  /** The store from `--store`, else the config's `store`, else `file://.tandem`. */
  store(): Promise<BlobStore>;
  /**
   * Prints a result now (the JSON document with --json, else the text) for commands that go on running, such as
   * `serve`; the CLI then prints nothing more on stdout when the command returns.
   */
  announce(result: CommandResult): void;
  /**
   * Resolves once the process is asked to stop (SIGINT/SIGTERM); long-running commands wait on it. Reading it means
   * the command stops by itself (see takeOverStop).
   */
  readonly stopped: Promise<void>;
  /**
   * The command stops gracefully by itself: the first SIGINT/SIGTERM aborts the returned signal (reason: the
   * signal's name) instead of ending the process; a second one runs the forced-exit hooks and exits at once.
   * Commands that never call it (or read `stopped`) exit at once, with 130 or 143, on the first signal.
   */
  takeOverStop(): StopControl;
}

/** What a command produced: the `--json` document and the lines a person reads instead. */
export interface CommandResult {
  readonly json: unknown;
  readonly text: string;
  /**
   * The exit status, for a command that ran to its end but has an outcome a script must tell apart (e.g. `promote`
   * kept the champion: 3). @default 0
   */
  readonly exitCode?: number;
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
