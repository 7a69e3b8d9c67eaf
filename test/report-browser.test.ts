import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { writeRunReport } from '../src/report/write-run-report.ts';
import { FileStore } from '../src/store/file-store.ts';
import { buildSmallRun } from './helpers/build-small-run.ts';
import { chromiumInstallHint, decideChromiumTest } from './helpers/chromium-for-tests.ts';

/** What the page reports about one `[data-chart]` SVG. */
interface ChartSeen {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Paths, circles and rects among the chart's marks. */
  readonly marks: number;
  readonly marksWidth: number;
  readonly marksHeight: number;
  readonly label: string;
  readonly axisTexts: number;
}

// Debian's chromium (`npx playwright install` cannot download browsers here, so .ci/run installs the package). A fresh
// machine without it skips this file, loudly; CI (CI=true) never skips, so a CI machine without Chromium fails.
const browserGate = decideChromiumTest({ env: process.env });
if (!browserGate.run) process.stderr.write(`\n*** SKIPPED test/report-browser.test.ts: ${browserGate.reason} ***\n\n`);

describe('run report in headless Chromium', () => {
  const chromiumPath = browserGate.run ? browserGate.executablePath : '';
  let dir: string | undefined;
  let browser: Browser | undefined;
  let reportUrl: string;
  before(async () => {
    if (!browserGate.run) return; // nothing to build for a skipped test
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-report-browser-'));
    const store = new FileStore(dir);
    const { runId } = await buildSmallRun(store);
    reportUrl = pathToFileURL((await writeRunReport(store, runId)).uri).href;
  });
  after(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('renders every chart with a size and drawn marks, and requests nothing but the file itself', browserGate.run ? {} : { skip: browserGate.reason }, async () => {
    // A failure, not a skip, once the test runs (CI, or TANDEM_CHROMIUM set): its absence is a broken machine.
    assert.ok(existsSync(chromiumPath), `Chromium not found at ${chromiumPath}. ${chromiumInstallHint}`);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(reportUrl, { waitUntil: 'load' });

    // One round trip for all charts; a string, because this project type-checks without the DOM library.
    const charts = await page.evaluate<ChartSeen[]>(`[...document.querySelectorAll('svg[data-chart]')].map((svg) => {
      const box = svg.getBoundingClientRect();
      const marks = svg.querySelector('g.marks');
      const drawn = marks === null ? { width: 0, height: 0 } : marks.getBoundingClientRect();
      return {
        name: svg.getAttribute('data-chart'),
        width: box.width,
        height: box.height,
        marks: svg.querySelectorAll('g.marks path, g.marks circle, g.marks rect').length,
        marksWidth: drawn.width,
        marksHeight: drawn.height,
        label: svg.getAttribute('aria-label') ?? '',
        axisTexts: svg.querySelectorAll('g.axis text').length,
      };
    })`);
    assert.equal(charts.length, 15, 'ROC and PR per task (3 × 2), 3 task-weight charts, learning curves, rungs, the winner\'s effective weights and gradient cosines, Pareto front, importance');
    for (const chart of charts) {
      assert.ok(chart.width > 50 && chart.height > 50, `${chart.name}: rendered ${chart.width}×${chart.height}`);
      assert.ok(chart.marks > 0, `${chart.name}: no marks`);
      assert.ok(chart.marksWidth > 0 && chart.marksHeight > 0, `${chart.name}: marks take no room`);
      assert.ok(chart.label.length > 10, `${chart.name}: aria-label`);
      assert.ok(chart.axisTexts >= 4, `${chart.name}: axis ticks and labels`);
    }
    assert.equal(await page.locator('section#leaderboard tr[data-trial]').count(), 6);
    assert.deepEqual(requests, [reportUrl], 'no request left the page');
    assert.deepEqual(problems, [], 'no console error, warning or CSP violation');
  });
});
