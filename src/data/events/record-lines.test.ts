import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { locateRecordLines, readCsvHeader } from './record-lines.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-lines-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const target = path.join(dir, name);
  await writeFile(target, text);
  return target;
}

describe('locateRecordLines', () => {
  it('counts quoted line breaks and blank lines as lines, not records (csv)', async () => {
    const csv = await file('a.csv', 'h1,h2\na,"x\ny"\n\nb,"say ""hi""\n"\r\nc,3\nd,4');
    const { ordinalLines } = await locateRecordLines(csv, { layout: 'csv', header: true, ordinals: [1, 2, 3, 4], rejectedReaderLines: [] });
    assert.deepEqual([...ordinalLines], [
      [1, 2],
      [2, 5],
      [3, 7],
      [4, 8],
    ]);
  });

  it('skips rejected records by the reader line DuckDB reports (quoted breaks not counted)', async () => {
    // Lines: 1 header, 2-3 a (quoted break), 4 bad (reader line 3), 5 b, 6 bad2 (reader line 5), 7 c.
    const csv = await file('b.csv', 'h1,h2\na,"x\ny"\nbad\nb,2\nbad2,1,1\nc,3\n');
    const { ordinalLines, rejectedLines } = await locateRecordLines(csv, { layout: 'csv', header: true, ordinals: [2, 3], rejectedReaderLines: [3, 5] });
    assert.deepEqual([...ordinalLines], [
      [2, 5],
      [3, 7],
    ]);
    assert.deepEqual([...rejectedLines], [
      [3, 4],
      [5, 6],
    ]);
  });

  it('treats every line as a record in the lines layout, empty ones too', async () => {
    const jsonl = await file('c.jsonl', '{"a":1}\n\n{"a":"x\\ny"}\n{"a":3}\n');
    const { ordinalLines } = await locateRecordLines(jsonl, { layout: 'lines', header: false, ordinals: [1, 3, 4], rejectedReaderLines: [] });
    assert.deepEqual([...ordinalLines], [
      [1, 1],
      [3, 3],
      [4, 4],
    ]);
  });

  it('finds records past the first read chunk', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => (i === 100 ? `${i},"two\nlines"` : `${i},"${'x'.repeat(20)}"`));
    const csv = await file('d.csv', `n,text\n${rows.join('\n')}\n`);
    const { ordinalLines } = await locateRecordLines(csv, { layout: 'csv', header: true, ordinals: [100, 101, 102, 60_000], rejectedReaderLines: [] });
    assert.deepEqual([...ordinalLines], [
      [100, 101],
      [101, 102],
      [102, 104],
      [60_000, 60_002],
    ]);
  });
});

describe('readCsvHeader', () => {
  it('reads quoted names and drops a byte order mark', async () => {
    assert.deepEqual(await readCsvHeader(await file('h.csv', '\uFEFFcustomer_id,"signup, date","say ""x"""\r\nc1,2024-01-01,1\n')), ['customer_id', 'signup, date', 'say "x"']);
    assert.deepEqual(await readCsvHeader(await file('only.csv', 'a,b')), ['a', 'b']);
    assert.deepEqual(await readCsvHeader(await file('empty.csv', '')), []);
  });
});
