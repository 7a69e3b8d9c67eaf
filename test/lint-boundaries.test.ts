import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '..');

/**
 * The project's own eslint.config.js, running only the boundary rule: without type information (the zones need
 * none), so the check takes a second rather than the type-aware run's minutes.
 */
function boundaryLinter(): ESLint {
  return new ESLint({
    cwd: root,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  });
}

/** The boundary messages for `code` as if it were the file at `file` (relative to the repository root). */
async function boundaryMessages(eslint: ESLint, file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  assert.ok(result !== undefined);
  assert.deepEqual(result.messages.filter((message) => message.ruleId !== 'no-restricted-imports'), [], `${file}: only the boundary rule runs`);
  return result.messages.map((message) => message.message);
}

const importing = (specifier: string): string => `import { value } from '${specifier}';\nexport const copy = value;\n`;

describe('eslint keeps the import arrows of ARCHITECTURE.md', () => {
  const eslint = boundaryLinter();

  it('src imports nothing outside src (cli, functions, workflows, infra, containers, bin) and no aws-cdk-lib', async () => {
    for (const specifier of ['../../cli/main.ts', '../../functions/plan/plan-trials.ts', '../../workflows/run-locally.ts', '../../infra/pipeline-stack.ts', '../../containers/trainer/entrypoint.ts', 'aws-cdk-lib', 'aws-cdk-lib/aws-s3']) {
      const messages = await boundaryMessages(eslint, 'src/search/zz-boundary-probe.ts', importing(specifier));
      assert.equal(messages.length, 1, `src/search importing ${specifier} is reported`);
    }
    assert.match((await boundaryMessages(eslint, 'src/search/zz-boundary-probe.ts', importing('../../cli/main.ts')))[0] ?? '', /src imports nothing outside src/);
    assert.deepEqual(await boundaryMessages(eslint, 'src/search/zz-boundary-probe.ts', importing('../store/json-object.ts')), [], 'a lower room is allowed');
    assert.deepEqual(await boundaryMessages(eslint, 'src/search/samplers/zz-boundary-probe.ts', importing('../../train/train-candidate.ts')), [], 'from a sub-folder too');
  });

  it('inside src, a lower room never imports a higher one', async () => {
    const cases: [string, string][] = [
      ['src/store/zz-boundary-probe.ts', '../search/run-files.ts'],
      ['src/config/zz-boundary-probe.ts', '../data/load-dataset.ts'],
      ['src/data/events/zz-boundary-probe.ts', '../../model/backend.ts'],
      ['src/model/zz-boundary-probe.ts', '../train/train-candidate.ts'],
      ['src/train/zz-boundary-probe.ts', '../search/run-search.ts'],
      ['src/search/zz-boundary-probe.ts', '../serve/app.ts'],
      ['src/registry/zz-boundary-probe.ts', '../report/run-report-data.ts'],
    ];
    for (const [file, specifier] of cases) {
      const messages = await boundaryMessages(eslint, file, importing(specifier));
      assert.equal(messages.length, 1, `${file} importing ${specifier} is reported`);
      assert.match(messages[0] ?? '', /lower rooms never import higher ones/);
    }
    assert.deepEqual(await boundaryMessages(eslint, 'src/serve/zz-boundary-probe.ts', importing('../search/run-files.ts')), []);
    assert.deepEqual(await boundaryMessages(eslint, 'src/features/zz-boundary-probe.ts', importing('../data/load-dataset.ts')), [], 'a room of the same layer');
  });

  it('functions and containers import src, not cli, workflows or infra; workflows may import functions; cli anything but infra', async () => {
    const reported: [string, string][] = [
      ['functions/plan/zz-boundary-probe.ts', '../../cli/local-search.ts'],
      ['functions/plan/zz-boundary-probe.ts', '../../workflows/run-locally.ts'],
      ['containers/trainer/zz-boundary-probe.ts', '../../cli/main.ts'],
      ['containers/trainer/zz-boundary-probe.ts', '../../functions/ingest/ingest-on-batch.ts'],
      ['workflows/zz-boundary-probe.ts', '../cli/main.ts'],
      ['workflows/zz-boundary-probe.ts', '../infra/pipeline-stack.ts'],
      ['cli/commands/zz-boundary-probe.ts', '../../infra/pipeline-stack.ts'],
      ['infra/zz-boundary-probe.ts', '../cli/main.ts'],
      ['infra/zz-boundary-probe.ts', '../functions/plan/plan-trials.ts'],
    ];
    for (const [file, specifier] of reported) assert.equal((await boundaryMessages(eslint, file, importing(specifier))).length, 1, `${file} importing ${specifier} is reported`);
    const allowed: [string, string][] = [
      ['functions/plan/zz-boundary-probe.ts', '../../src/search/rung-search.ts'],
      ['containers/trainer/zz-boundary-probe.ts', '../../src/search/trial-worker.ts'],
      ['workflows/zz-boundary-probe.ts', '../functions/plan/plan-trials.ts'],
      ['workflows/zz-boundary-probe.ts', 'aws-cdk-lib'],
      ['cli/commands/zz-boundary-probe.ts', '../../workflows/run-locally.ts'],
      ['infra/zz-boundary-probe.ts', '../workflows/tandem-workflow.ts'],
      ['bin/zz-boundary-probe.ts', '../cli/main.ts'],
    ];
    for (const [file, specifier] of allowed) assert.deepEqual(await boundaryMessages(eslint, file, importing(specifier)), [], `${file} may import ${specifier}`);
  });

  it('the container entrypoints as they are keep the arrows (`npx eslint .` checks the whole tree)', async () => {
    const results = await eslint.lintFiles(['containers/trainer/entrypoint.ts', 'containers/trainer/ingest-entrypoint.ts']);
    const found = results.flatMap((result) => result.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => `${path.relative(root, result.filePath)}: ${message.message}`));
    assert.deepEqual(found, []);
  });
});
