import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BadInputError } from '../errors/bad-input-error.ts';
import { formatIssuePath, loadConfig, loadTableConfig, parseConfig, parseTableConfig } from './load-config.ts';
import { catchBadInputAsync } from '../../test/helpers/catch-bad-input.ts';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const minimal = { data: { path: 'data.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'Churn' } }] };

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-config-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

/** Runs `fn` expecting a BadInputError and returns it. */
function badInput(fn: () => unknown): Promise<BadInputError> {
  return catchBadInputAsync(fn);
}

void describe('loadConfig', () => {
  void it('loads a file, applies defaults and resolves data.path against the file folder', async () => {
    const { config, file } = await loadTableConfig(path.join(fixtures, 'customers.config.json'));
    assert.equal(file, path.join(fixtures, 'customers.config.json'));
    assert.equal(config.data.path, path.join(fixtures, 'customers.csv'));
    assert.equal(config.name, 'fixture');
    assert.deepEqual(config.data.exclude, ['note']);
    assert.equal(config.tasks[0]?.auxiliary, false);
    assert.equal(config.split.seed, 7);
    assert.equal(config.model.arch, 'shared-bottom');
    assert.equal(config.features.maxNonNumericShare, 0.01);
  });

  void it('loads the example configs, whose data paths point at ../shared/data beside the checkout', async () => {
    const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
    const sharedData = path.resolve(examples, '../../shared/data');
    const telco = await loadTableConfig(path.join(examples, 'telco.config.json'));
    assert.equal(telco.config.data.path, path.join(sharedData, 'telco-customer-churn.csv'));
    assert.deepEqual(
      telco.config.tasks.map((task) => task.name),
      ['churn', 'security_xsell', 'support_xsell', 'spend'],
    );
    const shoppers = await loadTableConfig(path.join(examples, 'shoppers.config.json'));
    assert.equal(shoppers.config.data.path, path.join(sharedData, 'online-shoppers-intention.csv'));
    assert.equal(shoppers.config.data.id, undefined);
  });

  void it('keeps s3:// data paths as they are', async () => {
    const file = await writeConfig('s3.json', JSON.stringify({ ...minimal, data: { path: 's3://bucket/telco.csv' } }));
    assert.equal((await loadTableConfig(file)).config.data.path, 's3://bucket/telco.csv');
  });

  void it('merges overrides; a relative override path resolves against the working directory', async () => {
    const file = await writeConfig('over.json', JSON.stringify(minimal));
    const { config } = await loadTableConfig(file, { data: { path: 'other.csv' }, split: { seed: 9 } });
    assert.equal(config.data.path, path.resolve('other.csv'));
    assert.equal(config.split.seed, 9);
    assert.equal(config.split.test, 0.2);
    assert.equal(config.tasks[0]?.name, 'churn');
  });

  void it('names file, line and column of a JSON syntax error', async () => {
    const file = await writeConfig('trailing-comma.json', '{\n  "name": "x",\n}\n');
    const error = await badInput(() => loadConfig(file));
    assert.match(error.message, /trailing-comma\.json:3:1\b/);
    assert.equal(error.details[0]?.path, `${file}:3:1`);
  });

  void it('locates syntax errors that V8 states without a position', async () => {
    const file = await writeConfig('bad-token.json', '{\n  "data": {"path": tru}\n}');
    const error = await badInput(() => loadConfig(file));
    assert.match(error.message, /bad-token\.json:2:23\b/);
    const truncated = await writeConfig('truncated.json', '{\n  "name": "x",\n');
    assert.match((await badInput(() => loadConfig(truncated))).message, /truncated\.json:3:1\b/);
  });

  void it('lists every schema issue with its path, in message and details', async () => {
    const file = await writeConfig(
      'bad-schema.json',
      JSON.stringify({ data: { path: 'x.csv', colour: 'red' }, tasks: [{ name: 'churn', type: 'multi', label: { column: 'Churn' } }] }),
    );
    const error = await badInput(() => loadConfig(file));
    assert.match(error.message, /bad-schema\.json/);
    assert.match(error.message, /tasks\[0\]\.type: Invalid option/);
    assert.match(error.message, /data\.colour: unknown key/);
    assert.deepEqual(
      error.details.map((d) => d.path).sort(),
      ['data.colour', 'tasks[0].type'],
    );
  });

  void it('reports duplicate task names and a missing data.path', async () => {
    const duplicate = { data: { path: 'x.csv' }, tasks: [minimal.tasks[0], minimal.tasks[0]] };
    const error = await badInput(() => parseConfig(duplicate, 'dup.json'));
    assert.deepEqual(error.details, [{ path: 'tasks[1].name', issue: 'duplicate task name "churn"' }]);
    const missing = await badInput(() => parseConfig({ tasks: minimal.tasks, data: {} }, 'nopath.json'));
    assert.equal(missing.details[0]?.path, 'data.path');
    assert.match(missing.message, /nopath\.json[\s\S]*data\.path: /);
  });

  void it('fails with BadInputError for a missing file', async () => {
    const error = await badInput(() => loadConfig(path.join(dir, 'absent.json')));
    assert.match(error.message, /absent\.json: no such file/);
  });
});

void describe('parseConfig', () => {
  void it('leaves a relative path alone unless given a base folder', () => {
    assert.equal(parseTableConfig(minimal, 'memory').data.path, 'data.csv');
    assert.equal(parseTableConfig(minimal, 'memory', { baseDir: '/srv/data' }).data.path, '/srv/data/data.csv');
  });

  void it('formats issue paths', () => {
    assert.equal(formatIssuePath(['tasks', 2, 'label', 'column']), 'tasks[2].label.column');
    assert.equal(formatIssuePath([]), '(root)');
  });
});
