import { existsSync } from 'node:fs';

/** Where the browser tests look for Chromium, in order (Debian's package first: `.ci/run` installs it). */
export const chromiumCandidates: readonly string[] = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** Whether a browser test runs, and with which executable, or why it is skipped. */
export type ChromiumDecision = { readonly run: true; readonly executablePath: string } | { readonly run: false; readonly reason: string };

/** What {@link decideChromiumTest} looks at; injectable so the decision itself is tested. */
export interface ChromiumProbe {
  /** The environment: `TANDEM_CHROMIUM` names the executable, `CI` (anything but empty, `0` or `false`) forbids skipping. */
  readonly env: NodeJS.ProcessEnv;
  /** @default fs.existsSync */
  readonly exists?: (file: string) => boolean;
  /** @default chromiumCandidates */
  readonly candidates?: readonly string[];
}

/** True when `CI` says this is a CI run (GitHub Actions, GitLab and most others set `CI=true`; `.ci/run` does too). */
export function isCiRun(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/**
 * Decides whether the report's browser test runs. It runs with `TANDEM_CHROMIUM` when that is set (missing there is
 * a failure: it was asked for), else with the first candidate that exists. With none: on CI it still runs, with the
 * first candidate, so it fails saying how to install Chromium (a CI machine without it is broken); elsewhere (a
 * contributor's fresh machine) it is skipped with a reason that says how to install it.
 */
export function decideChromiumTest({ env, exists = existsSync, candidates = chromiumCandidates }: ChromiumProbe): ChromiumDecision {
  const named = env.TANDEM_CHROMIUM?.trim();
  if (named !== undefined && named !== '') return { run: true, executablePath: named };
  const found = candidates.find((file) => exists(file));
  if (found !== undefined) return { run: true, executablePath: found };
  if (isCiRun(env)) return { run: true, executablePath: candidates[0] ?? '/usr/bin/chromium' };
  return { run: false, reason: `Chromium not found (looked for ${candidates.join(', ')}). ${chromiumInstallHint}` };
}

/** How to get the browser tests running; part of every skip and failure message. */
export const chromiumInstallHint =
  'Install it with "sudo apt-get install -y chromium" (Debian/Ubuntu; .ci/run does this) or point TANDEM_CHROMIUM at a Chrome or Chromium executable. With CI=true the test fails instead of skipping.';
