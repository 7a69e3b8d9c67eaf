import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideChromiumTest, isCiRun } from './helpers/chromium-for-tests.ts';

const candidates = ['/fake/chromium', '/fake/chrome'];
const only = (...present: string[]) => (file: string): boolean => present.includes(file);

describe('whether the browser test runs (decideChromiumTest)', () => {
  it('runs with the first Chromium it finds', () => {
    assert.deepEqual(decideChromiumTest({ env: {}, exists: only('/fake/chrome'), candidates }), { run: true, executablePath: '/fake/chrome' });
  });

  it('skips on a machine without Chromium, saying why and how to install it', () => {
    const decision = decideChromiumTest({ env: {}, exists: only(), candidates });
    assert.equal(decision.run, false);
    assert.ok(!decision.run);
    assert.match(decision.reason, /Chromium not found \(looked for \/fake\/chromium, \/fake\/chrome\)/);
    assert.match(decision.reason, /apt-get install -y chromium/);
    assert.match(decision.reason, /TANDEM_CHROMIUM/);
    assert.match(decision.reason, /CI=true/);
  });

  it('never skips under CI: it runs, so a missing Chromium fails', () => {
    for (const ci of ['true', '1', 'yes', 'TRUE']) {
      assert.deepEqual(decideChromiumTest({ env: { CI: ci }, exists: only(), candidates }), { run: true, executablePath: '/fake/chromium' }, `CI=${ci}`);
    }
  });

  it('treats CI=false, CI=0 and an empty CI as not CI', () => {
    for (const ci of ['false', '0', '', ' ']) assert.equal(isCiRun({ CI: ci }), false, `CI=${JSON.stringify(ci)}`);
    assert.equal(isCiRun({}), false);
  });

  it('uses TANDEM_CHROMIUM when set, even where nothing exists (it was asked for)', () => {
    assert.deepEqual(decideChromiumTest({ env: { TANDEM_CHROMIUM: '/opt/chrome/chrome' }, exists: only('/fake/chromium'), candidates }), {
      run: true,
      executablePath: '/opt/chrome/chrome',
    });
  });
});

describe('.ci/run', () => {
  it('exports CI=true, so the browser test cannot skip there', async () => {
    const { readFile } = await import('node:fs/promises');
    assert.match(await readFile('.ci/run', 'utf8'), /^export CI=true$/m);
  });
});
