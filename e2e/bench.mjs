// `cargo xtask bench`: how the results screen copes with a long history (5,000 observations in
// 500 reports), and the messages screen with 1,000 conversations, measured in Chromium against
// the reference portal. Prints figures; never fails on a number.
import { chromium } from 'playwright-core';
import { startPortal } from './lib/portal.mjs';
import { signIn } from './lib/pages.mjs';

const REPORTS = 500;
const CONVERSATIONS = 1000;
const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x)} ms`;

const portal = await startPortal({ benchReports: REPORTS, benchConversations: CONVERSATIONS });
const browser = await chromium.launch({
  executablePath: process.env.CAREFRONT_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'],
});
try {
  const context = await browser.newContext({ baseURL: portal.url, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; }));
  await page.goto('/');
  await signIn(page, 'bench');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();

  const firstCard = () => page.locator('.result-card').first().waitFor();
  const allLoaded = () => page.waitForFunction(() => !document.body.innerText.includes('Still loading'), null, { timeout: 120_000 });
  const nav = (name) => page.getByRole('navigation', { name: 'Record sections' }).getByRole('link', { name, exact: true }).first();

  const moving = [], fresh = [], complete = [];
  for (let i = 0; i < RUNS; i += 1) {
    await nav('Summary').click();
    await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
    let t0 = Date.now();
    await nav('Test results').click();
    await firstCard();
    moving.push(Date.now() - t0);
    await allLoaded();
    complete.push(Date.now() - t0);

    t0 = Date.now();
    await page.goto('/record/results');
    await firstCard();
    fresh.push(Date.now() - t0);
    await allLoaded();
  }

  const groups = await page.locator('.result-count').innerText();
  const filtering = [];
  const words = ['potassium', 'chol', 'c-reactive protein', 'no such test', '', 'hba1c', 'sodium', ''];
  for (const word of words) {
    filtering.push(await page.evaluate(async (w) => {
      const input = document.getElementById('results-search');
      const t0 = performance.now();
      input.value = w;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      // Leptos applies updates in a microtask; wait for the frame that shows them.
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return performance.now() - t0;
    }, word));
  }

  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
  const wasmBytes = await page.evaluate(() => window.__wasm?.memory?.buffer?.byteLength ?? 0);
  const mib = (b) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

  console.log(`Results screen, ${REPORTS} reports and ${REPORTS * 10} observations (${groups.trim()}), ${RUNS} runs, medians:`);
  console.log(`  first results on screen, coming from the summary:  ${ms(median(moving))}   (runs: ${moving.map(ms).join(', ')})`);
  console.log(`  first results on screen, opening the page afresh:  ${ms(median(fresh))}   (runs: ${fresh.map(ms).join(', ')})`);
  console.log(`  every page of the history loaded:                  ${ms(median(complete))}`);
  console.log(`  filtering by a search word:                        ${ms(median(filtering))}   (${words.map((w, i) => `"${w}" ${ms(filtering[i])}`).join(', ')})`);
  console.log(`  page memory: JS heap ${mib(metric('JSHeapUsedSize'))}, wasm memory ${mib(wasmBytes)}, DOM nodes ${metric('Nodes')}`);
  console.log('  aims: first results < 1000 ms, filtering < 50 ms');

  // The inbox: its own download the first time, then from the header as a patient goes there.
  const firstConversation = () => page.locator('.conversation-card').first().waitFor({ timeout: 60_000 });
  const inboxFromRecord = [], inboxFresh = [];
  for (let i = 0; i < RUNS; i += 1) {
    await page.goto('/record/bench/summary');
    await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
    let t0 = Date.now();
    await page.getByRole('banner').getByRole('link', { name: /^Messages/ }).click();
    await firstConversation();
    inboxFromRecord.push(Date.now() - t0);
    t0 = Date.now();
    await page.goto('/messages/bench');
    await firstConversation();
    inboxFresh.push(Date.now() - t0);
  }
  const shown = await page.locator('.conversation-card').count();
  console.log(`Messages, an inbox of ${CONVERSATIONS} conversations (${shown} drawn), ${RUNS} runs, medians:`);
  console.log(`  first screen of the inbox, from the record:        ${ms(median(inboxFromRecord))}   (runs: ${inboxFromRecord.map(ms).join(', ')})`);
  console.log(`  first screen of the inbox, opening it afresh:      ${ms(median(inboxFresh))}   (runs: ${inboxFresh.map(ms).join(', ')})`);
  console.log('  aim: first screen of the inbox < 300 ms');
} finally {
  await browser.close();
  await portal.stop();
}
