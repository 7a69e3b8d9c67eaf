import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import { binaryContentReason } from './binary-content.ts';
import { parseCsv } from './read-csv.ts';
import { parseJsonl } from './read-jsonl.ts';
import { parseTable } from './read-table.ts';

/** Deterministic noise: what `head -c 4096 /dev/urandom > x.csv` gives, reproducibly. */
function noise(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = 12345;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** Every character of a message is printable: no control character and no U+FFFD from a decoded binary byte. */
function assertPrintable(text: string): void {
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/, `raw bytes in ${JSON.stringify(text)}`);
}

void describe('binary content in a data file', () => {
  const cases: readonly [string, Buffer, RegExp][] = [
    ['an .xlsx renamed .csv', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), noise(2000)]), /ZIP archive, such as an Excel \.xlsx/],
    ['a .gz renamed .csv', Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), noise(2000)]), /gzip-compressed/],
    ['random bytes', noise(4096), /looks binary/],
    ['UTF-16 text', Buffer.from('\ufeffid,churn\n1,yes\n', 'utf16le'), /UTF-16 text; save it as UTF-8/],
  ];
  for (const [what, bytes, reason] of cases) {
    void it(`says ${what} is not a text CSV file, without quoting its bytes`, () => {
      assert.throws(
        () => parseCsv(bytes, 'data/x.csv'),
        (error: unknown) => {
          assert.ok(error instanceof BadInputError);
          assert.match(error.message, /^data\/x\.csv is not a text CSV file \(it looks binary: /);
          assert.match(error.message, reason);
          assertPrintable(error.message);
          return true;
        },
      );
    });
  }

  void it('says so for JSON Lines and through the table reader too', () => {
    assert.throws(() => parseJsonl(noise(4096), 'x.jsonl'), /x\.jsonl is not a text JSON Lines file \(it looks binary/);
    assert.throws(() => parseTable(noise(4096), 'x.csv'), /x\.csv is not a text CSV file/);
  });

  void it('leaves text alone, also Latin-1 text with a few accented letters', () => {
    assert.equal(binaryContentReason(Buffer.from('id,name\n1,Zoë\n2,"a, b"\n')), undefined);
    assert.equal(binaryContentReason(Buffer.from('id,name\r\n1,Jos\xe9\r\n2,Ren\xe9e\r\n', 'latin1')), undefined);
    // A multi-byte character cut by the end of the sample is not a fault.
    assert.equal(binaryContentReason(Buffer.concat([Buffer.from('a,'.repeat(4095)), Buffer.from('é')]).subarray(0, 8191)), undefined);
  });

  void it('keeps a malformed-CSV message printable when the offending cell holds control characters', () => {
    assert.throws(
      () => parseCsv('a,b\n1,"x"\u001b[31my\n', 'ctl.csv'),
      (error: unknown) => {
        assert.ok(error instanceof BadInputError);
        assert.match(error.message, /ctl\.csv:2: malformed CSV/);
        assertPrintable(error.message);
        assert.match(error.message, /\\x1b/);
        return true;
      },
    );
  });
});
