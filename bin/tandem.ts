#!/usr/bin/env -S npx tsx
// The CLI entry: hands argv to cli/ and turns its result into the exit status.
import { runCli } from '../cli/main.ts';
import { listenForStopSignals } from '../cli/stop-signals.ts';

const stopSignals = listenForStopSignals();

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
  env: process.env,
  stopped: stopSignals.stopped,
  stopSignals,
});
