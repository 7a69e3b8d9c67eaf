import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';

const fixtureConfig = path.resolve('test/fixtures/customers.config.json');
const fixtureData = path.resolve('test/fixtures/customers.csv');

/** Every character on stderr is printable: no control character and no U+FFFD from a decoded binary byte. */
function assertPrintable(text: string): void {
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/, `raw bytes on stderr: ${JSON.stringify(text.slice(0, 300))}`);
}

describe('CLI error messages', () => {
  let dir: string;
  let store: string;
  /** The fixture config with `changes` merged in, written to `<dir>/<folder>/config.json` (data paths stay relative). */
  const writeConfig = async (folder: string, changes: Record<string, unknown>): Promise<string> => {
    const config = { ...(JSON.parse(await readFile(fixtureConfig, 'utf8')) as Record<string, unknown>), $schema: undefined, ...changes };
    await mkdir(path.join(dir, folder), { recursive: true });
    const file = path.join(dir, folder, 'config.json');
    await writeFile(file, JSON.stringify(config));
    return file;
  };
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-cli-messages-'));
    store = `file://${dir}/store`;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints an invalid config\'s problems once each', async () => {
    const file = await writeConfig('invalid', { name: 'bad name', data: { path: 'customers.csv', bogus: 1 } });
    const { code, stderr } = await runCliInProcess(['ingest', '--config', file, '--store', store]);
    assert.equal(code, 2);
    assert.match(stderr, /^error: invalid config .*config\.json:\n {2}name: .*\n {2}data\.bogus: unknown key\n$/);
    assert.equal(stderr.split('data.bogus: unknown key').length, 2, stderr);
  });

  it('names the config field, the path as written and as resolved for a missing table file', async () => {
    const file = await writeConfig('configs', { data: { path: '../data/telco.csv', id: 'customer_id' } });
    const { code, stderr } = await runCliInProcess(['ingest', '--config', file, '--store', store]);
    assert.equal(code, 2);
    assert.equal(stderr, `error: data.path: file not found: ../data/telco.csv (resolved to ${path.join(dir, 'data', 'telco.csv')})\n`);
  });

  it('names --data instead when the flag names the missing file', async () => {
    const { code, stderr } = await runCliInProcess(['ingest', '--config', fixtureConfig, '--store', store, '--data', path.join(dir, 'absent.csv')]);
    assert.equal(code, 2);
    assert.equal(stderr, `error: --data: file not found: ${path.join(dir, 'absent.csv')}\n`);
  });

  it('names data.sessions of an events config, and --raw for a folder that is missing or lacks a log', async () => {
    const raw = path.join(dir, 'raw');
    await mkdir(raw, { recursive: true });
    await writeFile(path.join(raw, 'customers.csv'), 'customer_id,signup_date\nc1,2024-01-01\n');
    await writeFile(path.join(raw, 'orders.csv'), 'order_id,customer_id,ts,amount,category\no1,c1,2024-02-01,10,books\n');
    const data = { kind: 'events', customers: '../raw/customers.csv', sessions: '../raw/sessions.csv', orders: '../raw/orders.csv', cutoff: '2024-03-01' };
    const file = await writeConfig('events', { data, tasks: undefined, split: undefined });
    const fromConfig = await runCliInProcess(['ingest', '--config', file, '--store', store]);
    assert.equal(fromConfig.code, 2, fromConfig.stderr);
    assert.equal(fromConfig.stderr, `error: data.sessions: file not found: ../raw/sessions.csv (resolved to ${path.join(raw, 'sessions.csv')})\n`);
    const noFolder = await runCliInProcess(['ingest', '--config', file, '--store', store, '--raw', path.join(dir, 'nowhere')]);
    assert.equal(noFolder.stderr, `error: --raw: folder not found: ${path.join(dir, 'nowhere')}\n`);
    const noLog = await runCliInProcess(['ingest', '--config', file, '--store', store, '--raw', raw]);
    assert.equal(noLog.code, 2);
    assert.match(noLog.stderr, /^error: --raw: no sessions log in .*raw \(looked for sessions\.csv, sessions\.jsonl, sessions\.ndjson, sessions\.parquet\)\n$/);
  });

  it('says a binary file is not a text CSV file and prints none of its bytes', async () => {
    const xlsx = path.join(dir, 'binary', 'x.csv');
    await mkdir(path.dirname(xlsx), { recursive: true });
    const noise = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 197 + 31) % 256));
    await writeFile(xlsx, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), noise]));
    const { code, stderr } = await runCliInProcess(['ingest', '--config', fixtureConfig, '--store', store, '--data', xlsx]);
    assert.equal(code, 2);
    assert.match(stderr, /^error: .*binary[/\\]x\.csv is not a text CSV file \(it looks binary: a ZIP archive, such as an Excel \.xlsx workbook/);
    assertPrintable(stderr);
  });

  it('reports a never-closed quote where it opened', async () => {
    const csv = path.join(dir, 'quote', 'telco.csv');
    await mkdir(path.dirname(csv), { recursive: true });
    const lines = (await readFile(fixtureData, 'utf8')).trim().split('\n');
    lines[5] = lines[5]?.replace(',note 5,', ',"note 5,') ?? '';
    await writeFile(csv, `${lines.join('\n')}\n`);
    const { code, stderr } = await runCliInProcess(['ingest', '--config', fixtureConfig, '--store', store, '--data', csv]);
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`^error: .*telco\\.csv:6: a quoted field opened here is never closed \\(field 7, column "note"; the file ends at line ${lines.length}\\)\\n$`));
  });

  it('ingests a project whose name holds a hyphen and a dot', async () => {
    const folder = path.join(dir, 'named');
    await mkdir(folder, { recursive: true });
    await copyFile(fixtureData, path.join(folder, 'customers.csv'));
    const file = await writeConfig('named', { name: 'bank-marketing.v2' });
    const { code, stdout, stderr } = await runCliInProcess(['ingest', '--json', '--config', file, '--store', store]);
    assert.equal(code, 0, stderr);
    assert.match((JSON.parse(stdout) as { datasetId: string }).datasetId, /^bank-marketing\.v2-[0-9a-f]{12}$/);
  });
});

describe('CLI error output', () => {
  it('escapes control characters that reach a message from user input', async () => {
    const badName = await runCliInProcess(['\u001b[2Jwipe']);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /^error: unknown command "\\x1b\[2Jwipe"/);
    const badConfig = await runCliInProcess(['ingest', '--config', '/nonexistent/\u0007bell.json']);
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /cannot read config file \/nonexistent\/\\x07bell\.json: no such file/);
    assertPrintable(badName.stderr + badConfig.stderr);
  });
});
