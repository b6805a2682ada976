// A small test runner over playwright-core: one Chromium, a fresh portal and browser context per
// test, axe-core and screenshots on every screen, and a closing `e2e: N passed, N failed` line.
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';
import { startPortal } from './portal.mjs';
import { endPostgres } from './postgres.mjs';
import { onHelios } from './helios.mjs';

const tests = [];
const onPostgres = process.env.CAREFRONT_E2E_DB === 'postgres';
/// The PostgreSQL and gateway passes keep their pictures apart from the first pass's.
const passFolder = onHelios ? 'gateway' : onPostgres ? 'postgres' : '';
const output = path.join(process.env.CAREFRONT_E2E_OUTPUT || path.resolve('e2e/output'), passFolder);
const screens = path.join(output, 'screens');

/// On the PostgreSQL and gateway passes, each name says so.
const pass = onHelios ? '[Gateway] ' : onPostgres ? '[PostgreSQL] ' : '';

export function test(name, fn, options = {}) {
  tests.push({ name: `${pass}${name}`, fn, options });
}

/// Checks a screen as a user meets it: axe finds nothing, and it is photographed at phone and
/// desktop widths (then put back at the width the test uses).
export async function screen(page, name) {
  const results = await new AxeBuilder({ page }).analyze();
  const size = page.viewportSize();
  let overflow = 0;
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(screens, `${name}-${width}.png`), fullPage: true });
    if (width === 375) overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  }
  await page.setViewportSize(size);
  if (overflow > 0) throw new Error(`"${name}" scrolls sideways by ${overflow}px on a 375px phone`);
  if (results.violations.length > 0) {
    const list = results.violations
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
      .join('\n    ');
    throw new Error(`axe found ${results.violations.length} violation(s) on "${name}":\n    ${list}`);
  }
}

export async function run() {
  fs.rmSync(output, { recursive: true, force: true });
  fs.mkdirSync(screens, { recursive: true });
  const only = process.env.CAREFRONT_E2E_ONLY;
  const selected = only ? tests.filter((t) => only.split('|').some((part) => t.name.includes(part))) : tests;
  let current = '(before the first test)';
  const launch = async () => {
    const launched = await chromium.launch({
      executablePath: process.env.CAREFRONT_CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    // Said where it happened: the test running then fails on its own, and the rest go on.
    launched.on('disconnected', () => current && console.log(`    Chromium stopped, during or after: ${current}`));
    return launched;
  };
  let browser = await launch();
  let passed = 0, failed = 0;
  for (const t of selected) {
    const started = Date.now();
    if (!browser.isConnected()) browser = await launch();
    current = t.name;
    let portal;
    try {
      portal = await startPortal(t.options.portal);
    } catch (e) {
      failed += 1;
      console.log(`FAILED ${t.name}\n    the portal did not start: ${e.message}`);
      continue;
    }
    let context, page;
    try {
      context = await browser.newContext({
        viewport: t.options.viewport || { width: 1280, height: 900 },
        baseURL: portal.url,
        // A patient near the demo hospital, unless a test says otherwise.
        timezoneId: t.options.timezoneId || 'Europe/London',
        locale: 'en-GB',
      });
      page = await context.newPage();
    } catch (e) {
      failed += 1;
      console.log(`FAILED ${t.name}\n    the browser did not open a page: ${e.message}`);
      await portal.stop();
      continue;
    }
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await t.fn({ page, context, portal });
      if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join('; ')}`);
      passed += 1;
      console.log(`ok     ${t.name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
    } catch (e) {
      failed += 1;
      console.log(`FAILED ${t.name}\n    ${String(e.stack || e).split('\n').slice(0, 6).join('\n    ')}`);
      // What the page said as it failed, for a failure seen once in CI and not again.
      if (pageErrors.length) console.log(`    uncaught errors in the page: ${pageErrors.join('; ')}`);
      console.log(`    at ${page.url()}`);
      const file = path.join(output, `failure-${t.name.replace(/[^a-z0-9]+/gi, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    } finally {
      await context.close().catch(() => {});
      await portal.stop();
    }
  }
  current = null;
  await browser.close().catch(() => {});
  await endPostgres();
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0;
}
