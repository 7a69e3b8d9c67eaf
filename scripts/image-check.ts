// `npm run image:check`: checks the trainer image's Dockerfile (containers/trainer/Dockerfile).
//   1. hadolint, when a `hadolint` binary is on PATH (it is not on npm; install it from its GitHub releases or brew);
//   2. always, Tandem's own structural rules (checkDockerfile below), which hadolint does not know;
//   3. `docker build` of each target, only where a Docker daemon answers `docker info` (skip with --no-build).
// Exits 1 on any finding or failed build.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { repositoryRoot, trainerDockerfile, trainerImageExcludes, trainerImageTargets } from '../infra/constructs/trainer-image.ts';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface DockerInstruction {
  /** Upper case: FROM, RUN, COPY, USER, … */
  readonly keyword: string;
  readonly args: string;
  /** 1-based line where the instruction starts. */
  readonly line: number;
}

/** One build stage: its `FROM` image, its `AS` name (if any) and its instructions after `FROM`. */
export interface DockerStage {
  readonly image: string;
  readonly name: string | undefined;
  readonly line: number;
  readonly instructions: readonly DockerInstruction[];
}

/** Splits a Dockerfile into stages (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): DockerStage[] {
  const instructions: DockerInstruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    const continued = trimmed.endsWith('\\');
    const body = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending === undefined ? { text: body, line: index + 1 } : { text: `${pending.text} ${body}`, line: pending.line };
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text.trim());
    if (match !== null) instructions.push({ keyword: (match[1] as string).toUpperCase(), args: (match[2] as string).trim(), line: pending.line });
    pending = undefined;
  });
  const stages: DockerStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, line: instruction.line, instructions: [] });
    } else {
      (stages.at(-1)?.instructions as DockerInstruction[] | undefined)?.push(instruction);
    }
  }
  return stages;
}

/** Options of {@link checkDockerfile}. */
export interface DockerfileRules {
  /** Stage names that `docker build --target` must find: the images that run. */
  readonly targets: readonly string[];
}

const installCommand = /\bnpm\s+(ci|install|i)\b/;
const cdkRemoval = /npm\s+pkg\s+delete\b[^&;]*\bdependencies\.aws-cdk-lib\b|npm\s+(uninstall|rm|remove)\b[^&;]*\baws-cdk-lib\b|rm\s+-\w*\s+\S*node_modules\/aws-cdk-lib\b/;
const compilerPackages = /\b(build-essential|gcc|g\+\+|make|python3)\b/;

/**
 * Tandem's rules for the trainer image, beyond what hadolint checks: multi-stage with every runtime target present;
 * every base image pinned to a version tag or digest; every npm install without dev dependencies; aws-cdk-lib (161 MB,
 * needed only to define the state machine) removed wherever the lockfile is installed, and workflows/ never copied into
 * a target; no compilers and no package installs in a target; a target that ends as a non-root user.
 * Returns the findings, each naming the line; empty when the file keeps every rule.
 */
export function checkDockerfile(text: string, { targets }: DockerfileRules): string[] {
  const stages = parseDockerfile(text);
  const problems: string[] = [];
  if (stages.length < 2) problems.push(`one stage only: build dependencies in a stage of their own and copy the result into the runtime stages (multi-stage)`);
  const names = new Set(stages.map((stage) => stage.name).filter((name) => name !== undefined));
  for (const target of targets) if (!names.has(target)) problems.push(`no stage named "${target}" (docker build --target ${target})`);
  for (const stage of stages) {
    const label = `stage ${stage.name ?? '(unnamed)'} (line ${stage.line})`;
    const earlierStage = names.has(stage.image) && stages.findIndex((other) => other.name === stage.image) < stages.indexOf(stage);
    if (!earlierStage && !stage.image.includes('@sha256:')) {
      const tag = /:([^/:]+)$/.exec(stage.image)?.[1];
      if (tag === undefined || tag === 'latest' || !/\d/.test(tag)) problems.push(`${label}: base image "${stage.image}" is not pinned to a version tag or digest`);
    }
    const runs = stage.instructions.filter((instruction) => instruction.keyword === 'RUN');
    for (const run of runs) {
      for (const command of run.args.split(/&&|;/)) {
        if (installCommand.test(command) && !/--omit[= ]dev\b/.test(command)) problems.push(`line ${run.line}: "${command.trim()}" installs dev dependencies (add --omit=dev)`);
      }
    }
    const installsLockfile = runs.some((run) => /\bnpm\s+ci\b/.test(run.args));
    if (installsLockfile && !runs.some((run) => cdkRemoval.test(run.args))) {
      problems.push(`${label}: installs package-lock.json but never removes aws-cdk-lib (npm pkg delete dependencies.aws-cdk-lib && npm prune)`);
    }
    if (stage.name !== undefined && targets.includes(stage.name)) {
      for (const instruction of stage.instructions) {
        if (instruction.keyword === 'COPY' && /(^|\s)\.?\/?workflows\/?(\s|$)/.test(instruction.args)) problems.push(`line ${instruction.line}: target ${stage.name} copies workflows/ (it imports aws-cdk-lib)`);
        if (instruction.keyword === 'RUN' && installCommand.test(instruction.args)) problems.push(`line ${instruction.line}: target ${stage.name} installs packages itself; copy node_modules from a build stage`);
        if (instruction.keyword === 'RUN' && /apt-get\s+install/.test(instruction.args) && compilerPackages.test(instruction.args)) {
          problems.push(`line ${instruction.line}: target ${stage.name} installs a compiler toolchain; keep it in a build stage`);
        }
      }
      const user = stage.instructions.filter((instruction) => instruction.keyword === 'USER').at(-1)?.args;
      if (user === undefined || /^(root|0)(:|$)/.test(user)) problems.push(`${label}: target runs as root (end with USER and a non-root user)`);
    }
  }
  return problems;
}

/**
 * Findings about the Dockerfile's own ignore file (`<Dockerfile>.dockerignore`, read by BuildKit for a plain
 * `docker build`): it must leave out what the CDK asset excludes, so both builds see the same context.
 */
export function checkDockerignore(text: string, excludes: readonly string[]): string[] {
  const listed = new Set(text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#')));
  return excludes.filter((exclude) => !listed.has(exclude)).map((exclude) => `${trainerDockerfile}.dockerignore does not list "${exclude}" (trainerImageExcludes does)`);
}

/** Whether `command --version`-style probing finds `command` (spawn fails with ENOENT when it is not on PATH). */
function commandSucceeds(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

async function main(): Promise<number> {
  const dockerfile = `${repositoryRoot}${trainerDockerfile}`;
  let failed = false;
  if (spawnSync('hadolint', ['--version'], { stdio: 'ignore' }).error === undefined) {
    const result = spawnSync('hadolint', [dockerfile], { stdio: 'inherit' });
    console.error(result.status === 0 ? 'hadolint: no findings' : 'hadolint: findings above');
    failed ||= result.status !== 0;
  } else {
    console.error('hadolint: not on PATH, skipped (npm does not ship it: https://github.com/hadolint/hadolint/releases)');
  }
  const problems = [
    ...checkDockerfile(await readFile(dockerfile, 'utf8'), { targets: trainerImageTargets }),
    ...checkDockerignore(await readFile(`${dockerfile}.dockerignore`, 'utf8').catch(() => ''), trainerImageExcludes),
  ];
  for (const problem of problems) console.error(`${trainerDockerfile}: ${problem}`);
  console.error(problems.length === 0 ? 'structural checks: passed' : `structural checks: ${problems.length} finding(s)`);
  failed ||= problems.length > 0;
  if (process.argv.includes('--no-build')) {
    console.error('docker build: skipped (--no-build)');
  } else if (!commandSucceeds('docker', ['info'])) {
    console.error('docker build: skipped (no Docker daemon answers `docker info`)');
  } else {
    for (const target of trainerImageTargets) {
      const result = spawnSync('docker', ['build', '--platform', 'linux/amd64', '-f', trainerDockerfile, '--target', target, '-t', `tandem-trainer:${target}`, '.'], { cwd: repositoryRoot, stdio: 'inherit' });
      console.error(`docker build --target ${target}: ${result.status === 0 ? 'built' : 'failed'}`);
      failed ||= result.status !== 0;
    }
  }
  return failed ? 1 : 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
