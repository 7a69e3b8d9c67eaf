import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../errors/bad-input-error.ts';
import { parseJsonl, readJsonl } from './read-jsonl.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

void describe('readJsonl', () => {
  void it('reads flat objects, skips blank lines, unions columns and keeps JSON scalars', async () => {
    const table = await readJsonl(fixture('customers.jsonl'));
    assert.deepEqual(table.columns, ['id', 'active', 'visits', 'segment', 'bought', 'region']);
    assert.deepEqual(table.lines, [1, 3, 4]);
    assert.deepEqual(table.rows[0], { id: 'a', active: true, visits: 3, segment: 'gold', bought: 'yes', region: null });
    assert.equal(table.rows[1]?.segment, null, 'blank string is missing');
    assert.equal(table.rows[2]?.segment, null, 'absent key is missing');
    assert.equal(table.rows[2]?.region, 'north');
  });

  void it('names file and line of invalid JSON', async () => {
    await assert.rejects(readJsonl(fixture('bad-json.jsonl')), (error: unknown) => {
      assert.ok(error instanceof BadInputError);
      assert.match(error.message, /bad-json\.jsonl:2: invalid JSON/);
      return true;
    });
  });

  void it('rejects nested values naming line and key', async () => {
    await assert.rejects(readJsonl(fixture('nested.jsonl')), /nested\.jsonl:3: key "address" holds a nested object/);
    assert.throws(() => parseJsonl('{"a": [1]}\n', 'x.jsonl'), /x\.jsonl:1: key "a" holds a nested array/);
  });

  void it('rejects lines that are not objects and files without rows', () => {
    assert.throws(() => parseJsonl('{"a": 1}\n[1, 2]\n', 'arr.jsonl'), /arr\.jsonl:2: each line must be a JSON object/);
    assert.throws(() => parseJsonl('\n\n', 'blank.jsonl'), /blank\.jsonl is empty/);
  });
});
