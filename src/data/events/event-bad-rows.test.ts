import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/load-config.ts';
import type { EventsConfig } from '../../config/schema.ts';
import { BadInputError } from '../../errors/bad-input-error.ts';
import { FileStore } from '../../store/file-store.ts';
import { buildEventTable } from './build-event-table.ts';
import { ingestEvents } from './ingest-events.ts';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/events/', import.meta.url));

/** The four bad rows, each with the reason it must be quarantined for. */
const badDate = { line: 'O90001,c001,2024-02-30T10:00:00Z,10.00,books,', reason: 'bad ts "2024-02-30T10:00:00Z"' };
const negative = { line: 'O90002,c002,2024-03-01T10:00:00Z,-5.00,toys,', reason: 'negative amount "-5.00"' };
const unknown = { line: 'O90003,c999,2024-03-02T10:00:00Z,8.00,books,"c999, not a customer"', reason: 'unknown customer_id "c999"' };
const truncated = { line: 'O90004,c003,2024-05-0', reason: 'truncated row: 3 of 6 fields' };

let dir = '';
let shopOrders: string[] = [];
let config: EventsConfig;

/**
 * Writes a raw folder: the fixture shop with `inserts` placed before the given order records (by record index, so a
 * quoted line break is never split) and the truncated row as the last line (no line break after it). Returns the
 * folder and the 1-based line each inserted row landed on.
 */
async function rawWithBadOrders(name: string, inserts: { before: number; line: string }[]): Promise<{ raw: string; lines: number[] }> {
  const raw = path.join(dir, name);
  await mkdir(raw, { recursive: true });
  await copyFile(path.join(fixtures, 'shop', 'customers.csv'), path.join(raw, 'customers.csv'));
  await copyFile(path.join(fixtures, 'shop', 'sessions.csv'), path.join(raw, 'sessions.csv'));
  const physical: string[] = [shopOrders[0] as string];
  const lines: number[] = [];
  let record = 0;
  for (const text of shopOrders.slice(1)) {
    if (/^O\d/.test(text)) {
      record++;
      for (const insert of inserts.filter((i) => i.before === record)) {
        physical.push(insert.line);
        lines.push(physical.length);
      }
    }
    physical.push(text);
  }
  physical.push(truncated.line);
  lines.push(physical.length);
  await writeFile(path.join(raw, 'orders.csv'), physical.join('\n'));
  return { raw, lines };
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-bad-rows-'));
  shopOrders = (await readFile(path.join(fixtures, 'shop', 'orders.csv'), 'utf8')).replace(/\n$/, '').split('\n');
  config = (await loadConfig(path.join(fixtures, 'shop.config.json'))).config as EventsConfig;
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('events mode bad input', () => {
  it('quarantines exactly the bad date, negative amount, unknown customer and truncated last line, with their lines', async () => {
    const firstQuotedBreak = shopOrders.findIndex((text) => /^O\d.*"[^"]*$/.test(text));
    assert.ok(firstQuotedBreak > 0 && firstQuotedBreak < 300, 'the fixture has a quoted line break before the bad rows');
    const { raw, lines } = await rawWithBadOrders('raw-4', [
      { before: 300, line: badDate.line },
      { before: 500, line: negative.line },
      { before: 700, line: unknown.line },
    ]);
    const store = new FileStore(path.join(dir, 'store-4'));
    const result = await ingestEvents(config, store, { rawDir: raw });
    assert.equal(result.quarantined, 4);
    assert.equal(result.manifest.events?.quarantined, 4);
    const orders = path.join(raw, 'orders.csv');
    const expected = [badDate, negative, unknown, truncated].map((bad, i) => `${orders},${lines[i]},${bad.reason.includes('"') ? `"${bad.reason.replaceAll('"', '""')}"` : bad.reason}`);
    const csv = (await store.get(`datasets/${result.manifest.datasetId}/quarantine.csv`)).toString('utf8');
    assert.equal(csv, ['file,line,reason', ...expected, ''].join('\n'));
    // The lines are the ones an editor shows: check them against the file itself.
    const fileLines = (await readFile(orders, 'utf8')).split('\n');
    assert.deepEqual(
      lines.map((line) => fileLines[line - 1]),
      [badDate.line, negative.line, unknown.line, truncated.line],
    );
    assert.equal(result.manifest.rows.train + result.manifest.rows.validation + result.manifest.rows.test, 80);
  });

  it('fails with BadInputError (exit 2) naming file, line and reason at 5% bad rows, and writes nothing', async () => {
    const extra = Array.from({ length: 45 }, (_, i) => ({ before: 320 + i * 10, line: `O9${String(1000 + i)},c004,2024-04-01T10:00:00Z,-1.00,toys,` }));
    const { raw, lines } = await rawWithBadOrders('raw-5pct', [{ before: 300, line: badDate.line }, { before: 500, line: negative.line }, { before: 700, line: unknown.line }, ...extra]);
    const store = new FileStore(path.join(dir, 'store-5pct'));
    await assert.rejects(ingestEvents(config, store, { rawDir: raw }), (error: unknown) => {
      assert.ok(error instanceof BadInputError);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /orders\.csv: 49 of 970 rows \(5\.1%\) are malformed, more than maxBadRowShare 1% allows/);
      assert.ok(error.message.includes(`line ${lines[0]}: ${badDate.reason}`), error.message);
      assert.deepEqual(error.details[0], { path: `${path.join(raw, 'orders.csv')}:${lines[0]}`, issue: badDate.reason });
      return true;
    });
    assert.deepEqual(await store.list(''), []);
  });

  it('locates malformed CSV shapes exactly: blank lines, CRLF, quoted line breaks, too many fields, an unterminated quote', async () => {
    const raw = path.join(dir, 'shapes');
    await mkdir(raw, { recursive: true });
    await writeFile(path.join(raw, 'customers.csv'), 'customer_id,signup_date\r\nc1,2024-01-01\r\n\r\nc2,2024-01-02\r\nc2,2024-01-03\r\n,2024-01-04\r\nc3,someday\r\n');
    await writeFile(path.join(raw, 'sessions.csv'), 'customer_id,ts\nc1,2024-02-01\n');
    await writeFile(
      path.join(raw, 'orders.csv'),
      [
        'order_id,customer_id,ts,amount,category',
        'o1,c1,2024-03-01,5,"books,\nand more"', // lines 2-3
        '',
        'o2,c1,2024-03-02,5,books,extra', // 5: too many fields
        'o3,c1,2024-03-03,NaN,books', // 6
        'o4,c1,2024-03-04,,books', // 7
        'o5,c2,2024-03-05,5,"toys', // 8: the quote never closes
        '',
      ].join('\n'),
    );
    const files = { customers: path.join(raw, 'customers.csv'), sessions: path.join(raw, 'sessions.csv'), orders: path.join(raw, 'orders.csv') };
    const built = await buildEventTable(files, { cutoff: '2024-06-01', maxBadRowShare: 0.9 });
    const where = (row: { file: string; line: number; reason: string }): string => `${path.basename(row.file)}:${row.line} ${row.reason}`;
    assert.deepEqual(built.quarantine.map(where), [
      'customers.csv:5 duplicate customer_id "c2"',
      'customers.csv:6 missing customer_id',
      'customers.csv:7 bad signup_date "someday"',
      'orders.csv:5 too many fields (the header has 5)',
      'orders.csv:6 bad amount "NaN"',
      'orders.csv:7 missing amount',
      'orders.csv:8 unterminated quoted field',
    ]);
    assert.deepEqual(built.table.lines, [2, 4]);
    assert.deepEqual(
      built.table.rows.map((row) => row.customer_id),
      ['c1', 'c2'],
    );
  });

  it('quarantines a broken JSONL line by its line number', async () => {
    const raw = path.join(dir, 'jsonl');
    await mkdir(raw, { recursive: true });
    await writeFile(path.join(raw, 'customers.jsonl'), '{"customer_id":"c1","signup_date":"2024-01-01"}\n\n{"customer_id":"c2","signup_date":"2024-01-02"}\n');
    await writeFile(path.join(raw, 'sessions.jsonl'), '{"customer_id":"c1","ts":"2024-02-01"}\n{"customer_id":"c2","ts":"2024-02-0\n[1,2]\n');
    await writeFile(path.join(raw, 'orders.jsonl'), '{"order_id":"o1","customer_id":"c1","ts":"2024-03-01","amount":5,"category":"books"}\n');
    const files = { customers: path.join(raw, 'customers.jsonl'), sessions: path.join(raw, 'sessions.jsonl'), orders: path.join(raw, 'orders.jsonl') };
    const built = await buildEventTable(files, { cutoff: '2024-06-01', maxBadRowShare: 0.9 });
    assert.deepEqual(
      built.quarantine.map((row) => `${path.basename(row.file)}:${row.line} ${row.reason}`),
      ['sessions.jsonl:2 malformed JSON (not one complete object on the line)', 'sessions.jsonl:3 malformed JSON (not one complete object on the line)'],
    );
    assert.deepEqual(built.table.lines, [1, 3]);
  });

  it('quarantines an order whose amount is not a finite number (Infinity, -Infinity, inf, 1e400) as a bad row, and keeps 1e9', async () => {
    const raw = path.join(dir, 'non-finite');
    await mkdir(raw, { recursive: true });
    await writeFile(path.join(raw, 'customers.csv'), 'customer_id,signup_date\nc1,2024-01-01\nc2,2024-01-02\n');
    await writeFile(path.join(raw, 'sessions.csv'), 'customer_id,ts\nc1,2024-02-01\n');
    const amounts = ['Infinity', '-Infinity', 'inf', '1e400', '1e9'];
    await writeFile(path.join(raw, 'orders.csv'), ['order_id,customer_id,ts,amount,category', ...amounts.map((amount, i) => `o${i},c${(i % 2) + 1},2024-03-0${i + 1},${amount},books`)].join('\n'));
    const files = { customers: path.join(raw, 'customers.csv'), sessions: path.join(raw, 'sessions.csv'), orders: path.join(raw, 'orders.csv') };
    const built = await buildEventTable(files, { cutoff: '2024-06-01', maxBadRowShare: 0.9 });
    assert.deepEqual(
      built.quarantine.map((row) => `${path.basename(row.file)}:${row.line} ${row.reason.replace(/ ".*"$/, '')}`),
      ['orders.csv:2 bad amount', 'orders.csv:3 bad amount', 'orders.csv:4 bad amount', 'orders.csv:5 bad amount'],
    );
    assert.equal(built.stats.orders, 1);
  });
});
