// `cargo xtask bench`: how long a patient on a slow phone waits for a sign-in form they can use,
// a first visit with nothing cached. Chromium throttled over CDP as Lighthouse's mobile profile
// is: 4x slower CPU, 562.5 ms round trips, 1.6 Mbit/s down. The reference portal compresses
// (brotli). "Usable" is the moment the app has drawn its Username field (not the page's own
// loading message). Prints figures; never fails.
import { chromium } from 'playwright-core';
import { startPortal } from './lib/portal.mjs';

const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

const portal = await startPortal();
const browser = await chromium.launch({
  executablePath: process.env.CAREFRONT_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const usable = [], requests = [];
  for (let i = 0; i < RUNS; i += 1) {
    const context = await browser.newContext({ baseURL: portal.url, viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 562.5,
      downloadThroughput: (1.6 * 1024 * 1024 * 0.9) / 8,
      uploadThroughput: (750 * 1024 * 0.9) / 8,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.getElementById('username')) {
          window.__usableAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    let count = 0;
    page.on('request', () => { count += 1; });
    await page.goto('/sign-in');
    await page.waitForFunction(() => window.__usableAt !== undefined, null, { timeout: 60_000 });
    usable.push(await page.evaluate(() => window.__usableAt));
    requests.push(count);
    await context.close();
  }
  console.log(`  usable sign-in form, first visit, ${RUNS} runs: median ${s(median(usable))} (aim 2.5 s; runs: ${usable.map(s).join(', ')}); ${median(requests)} requests`);
} finally {
  await browser.close();
  await portal.stop();
}
