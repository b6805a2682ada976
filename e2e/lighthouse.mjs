// `cargo xtask bench`: Lighthouse (mobile, its default simulated slow 4G and 4x slower CPU) on
// the sign-in page, served by the reference portal with the built app. Runs offline against
// Debian Chromium. Single runs vary by several points, so it runs RUNS times and prints the
// median run (by performance score) with every score beside it. Prints figures; never fails.
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { startPortal } from './lib/portal.mjs';

const portal = await startPortal();
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CAREFRONT_CHROMIUM || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const RUNS = 5;
try {
  const runs = [];
  for (let i = 0; i < RUNS; i += 1) {
    const result = await lighthouse(`${portal.url}/sign-in`, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility'],
    });
    runs.push(result.lhr);
  }
  runs.sort((a, b) => a.categories.performance.score - b.categories.performance.score);
  const { categories, audits } = runs[Math.floor(RUNS / 2)];
  const score = (c) => categories[c].score.toFixed(2);
  console.log(`  ${RUNS} runs, performance: ${runs.map((r) => r.categories.performance.score.toFixed(2)).join(', ')}; the median run:`);
  const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  console.log(`  performance ${score('performance')} (aim 0.95), accessibility ${score('accessibility')} (aim 1.00)`);
  console.log(`  largest contentful paint ${(audits['largest-contentful-paint'].numericValue / 1000).toFixed(2)} s, `
    + `first contentful paint ${(audits['first-contentful-paint'].numericValue / 1000).toFixed(2)} s, `
    + `total blocking time ${Math.round(audits['total-blocking-time'].numericValue)} ms`);
  console.log(`  total transfer ${kib(audits['total-byte-weight'].numericValue)}`);
  for (const [id, audit] of Object.entries(audits)) {
    if (audit.score !== null && audit.score < 0.9 && ['binary', 'numeric', 'metricSavings'].includes(audit.scoreDisplayMode)) {
      console.log(`    to look at: ${id} (${audit.score}) ${audit.displayValue || ''}`);
    }
  }
} finally {
  await chrome.kill();
  await portal.stop();
}
