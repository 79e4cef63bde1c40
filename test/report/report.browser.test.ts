// The report in a real browser: headless Chromium lays index.html out and the test checks
// that the verdict table, a ladder diagram and the ring are drawn (non-empty boxes), that a
// click on an arrow shows the raw message with the line at fault, and that Chromium's XML
// parser accepts junit.xml. A screenshot is kept under artifacts/report-screenshot/.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { artifactsDir } from '../../harness/cluster/artifacts';
import { writeReports } from '../../harness/report';
import { writeFixtureRun } from './fixtures';

const CHROMIUM = '/usr/bin/chromium';

async function box(locator: Locator): Promise<{ width: number; height: number }> {
  const b = await locator.boundingBox();
  return { width: b?.width ?? 0, height: b?.height ?? 0 };
}

function nonZero(b: { width: number; height: number }): boolean {
  return b.width > 0 && b.height > 0;
}

if (!existsSync(CHROMIUM)) {
  if (process.env.CI) {
    it('the report renders in Chromium (needs /usr/bin/chromium)', () => {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium) so the report can be checked in a browser`);
    });
  } else {
    it.skip(`the report renders in Chromium [skipped: no browser at ${CHROMIUM}; apt-get install -y chromium]`, () => undefined);
  }
} else {
  describe('the report in headless Chromium', () => {
    let dir: string;
    let browser: Browser;
    let page: Page;
    let junit: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
      const run = writeFixtureRun(dir);
      const files = writeReports({ jestResultsPath: run.jest, artifactsDir: run.artifacts, outDir: join(dir, 'out'), targets: [{ name: 'ref', path: 'targets/reference.yaml' }], driver: 'process' });
      junit = readFileSync(files.junit, 'utf8');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(files.html).href);
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('shows the verdict and the verdict-by-area table', async () => {
      await expect(page.locator('#verdict').textContent()).resolves.toContain('Not every applicable MUST passed');
      const table = page.locator('#areas');
      expect(nonZero(await box(table))).toBe(true);
      expect(await table.locator('tbody tr').count()).toBeGreaterThanOrEqual(9);
    });

    it('draws a check\'s ladder on opening its trace, and shows the raw message of a clicked arrow with the line at fault', async () => {
      await page.click('#check-1 > summary');
      await page.click('#check-1 details.trace > summary');
      const ladder = page.locator('#check-1 svg.ladder-svg');
      await ladder.waitFor({ state: 'visible' });
      expect(nonZero(await box(ladder))).toBe(true);
      expect(await ladder.locator('g.msg').count()).toBe(2);
      await ladder.locator('g.msg.sev-error').click();
      const faulty = page.locator('#check-1 .msg-panel pre.raw .hl-error');
      await faulty.waitFor({ state: 'visible' });
      expect(await faulty.textContent()).toMatch(/^DHT-NodeID: rsa-sha1 90B8/);
      expect(nonZero(await box(faulty))).toBe(true);
    });

    it('draws the ring as a circle with its nodes, fingers shown on demand', async () => {
      const ring = page.locator('figure.ring svg.ring-svg').first();
      expect(nonZero(await box(ring))).toBe(true);
      expect(await ring.locator('g.node').count()).toBe(3);
      expect(nonZero(await box(ring.locator('path.succ').first()))).toBe(true);
      const finger = ring.locator('path.finger').first();
      expect(await finger.isVisible()).toBe(false);
      await page.locator('figure.ring input.fingers').first().check();
      expect(await finger.isVisible()).toBe(true);
    });

    it('filters checks by status', async () => {
      await page.check('input[name=status][value=failed]');
      expect(await page.locator('details.check.st-passed').first().isVisible()).toBe(false);
      expect(await page.locator('details.check.st-failed').first().isVisible()).toBe(true);
      await page.check('input[name=status][value=all]');
    });

    it('junit.xml parses in Chromium\'s XML parser', async () => {
      const parsed = await page.evaluate((xml) => {
        // Runs in the page; the project's TypeScript has no DOM library, so the type is local.
        type Doc = { getElementsByTagName(name: string): { length: number } };
        const { DOMParser } = globalThis as unknown as { DOMParser: new () => { parseFromString(text: string, type: string): Doc } };
        const doc = new DOMParser().parseFromString(xml, 'application/xml');
        return { errors: doc.getElementsByTagName('parsererror').length, cases: doc.getElementsByTagName('testcase').length };
      }, junit);
      expect(parsed).toEqual({ errors: 0, cases: 10 });
    });

    it('leaves a screenshot', async () => {
      const out = artifactsDir('report-screenshot');
      mkdirSync(out, { recursive: true });
      const file = join(out, 'report.png');
      await page.screenshot({ path: file, fullPage: true });
      expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    });
  });
}
