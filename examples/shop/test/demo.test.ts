// The demo as a newcomer sees it: `node examples/shop/demo.mjs` (what `npm start` runs) with its real
// `switchyard serve` child, driven in real headless Chromium. Screenshot: .test-report/demo.png.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
const report = fileURLToPath(new URL('../../../.test-report/', import.meta.url));
const flagsFile = join(mkdtempSync(join(tmpdir(), 'switchyard-demo-')), 'flags.json');

let child: ChildProcess;
let output = '';
let browser: Browser;
let page: Page;
let shopUrl: string;

const cell = (flag: string, column: string) => page.locator(`tr[data-flag="${flag}"] td.${column}`);
const shoppersIn = async () => new Set(await page.locator('#grid span.on').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.shopper)));

beforeAll(async () => {
  child = spawn(process.execPath, [demo], { env: { ...process.env, SHOP_PORT: '0', SWITCHYARD_PORT: '0', SHOP_FLAGS_FILE: flagsFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  shopUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start: ${output}`)), 20_000);
    child.stdout!.on('data', () => {
      const match = output.match(/Shop:\s+(http:\/\/[\d.:]+)/);
      if (match) (clearTimeout(timer), resolve(match[1]));
    });
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(shopUrl);
  await page
    .waitForFunction(() => document.getElementById('status')?.textContent === 'READY', null, { timeout: 15_000 })
    .catch(async () => {
      throw new Error(`page not READY: ${await page.locator('#status').getAttribute('title')} ${errors.join('; ')}\n${output}`);
    });
}, 40_000);

afterAll(async () => {
  await browser?.close();
  // SIGTERM: the demo stops switchyard serve too (SIGKILL would orphan it).
  if (child && child.exitCode === null) child.kill('SIGTERM');
});

describe('the demo (npm start)', () => {
  it('prints the shop URL and how to edit the flags', () => {
    expect(output).toContain(`Shop:        ${shopUrl}`);
    expect(output).toContain(flagsFile);
    expect(output).toContain('Ctrl-C stops everything');
  });

  it('shows each flag with its value, variant and reason, evaluated in the page', async () => {
    await expect.poll(() => cell('checkout-enabled', 'reason').textContent()).toBe('STATIC');
    expect(await cell('checkout-enabled', 'variant').textContent()).toBe('on');
    expect(await cell('new-checkout', 'reason').textContent()).toBe('TARGETING_MATCH'); // flagd's reason for a fractional split
    expect(await cell('banner-text', 'value').textContent()).toBe('"Welcome to the Switchyard shop"');
    expect(await page.locator('#banner').textContent()).toBe('Welcome to the Switchyard shop');
  });

  it('targets internal users: the preview is on for @switchyard.dev and off after switching to a customer', async () => {
    expect(await cell('internal-preview', 'value').textContent()).toBe('true');
    expect(await cell('internal-preview', 'reason').textContent()).toBe('TARGETING_MATCH');
    expect(await page.locator('#toolbar').isVisible()).toBe(true);
    await page.selectOption('#persona', '1'); // Bob, bob@customer.org
    await expect.poll(() => cell('internal-preview', 'value').textContent()).toBe('false');
    expect(await cell('internal-preview', 'reason').textContent()).toBe('TARGETING_MATCH');
    expect(await page.locator('#toolbar').isVisible()).toBe(false);
  });

  it('rolls new-checkout out 1% → 10% → 50% → 100% with every shopper already in staying in', async () => {
    let before = await shoppersIn();
    expect(before.size).toBeLessThan(10); // 1% of 100 shoppers, give or take the hash
    for (const percent of [10, 50, 100]) {
      await page.click(`[data-percent="${percent}"]`);
      await expect.poll(async () => (await shoppersIn()).size, { timeout: 5_000 }).toBeGreaterThan(before.size);
      const now = await shoppersIn();
      for (const shopper of before) expect(now.has(shopper)).toBe(true);
      expect(await page.locator('#sticky').textContent()).toBe(`${before.size} of the ${before.size} who were in are still in`);
      before = now;
    }
    expect(before.size).toBe(100);
    // The file on disk is what the button wrote, in flagd's format.
    expect(JSON.parse(readFileSync(flagsFile, 'utf8')).flags['new-checkout'].targeting).toEqual({ fractional: [['on', 100], ['off', 0]] });
  });

  it('flips the kill switch: the page pauses checkout and the Node server refuses orders', async () => {
    // The shop's Node provider has the 100% rollout too (it may see it a moment after the page).
    await expect.poll(async () => (await page.click('#checkout'), page.locator('#order').textContent())).toContain('Order accepted by the server (new checkout');
    await page.click('#kill');
    await expect.poll(() => page.locator('#paused').isVisible(), { timeout: 5_000 }).toBe(true);
    expect(await page.locator('#changed').textContent()).toMatch(/checkout-enabled — kill switch applied \d+ ms after the click/);
    expect(await page.locator('#checkout').isDisabled()).toBe(true);
    // The server decides with its own provider (@switchyard/node over SSE), whatever the page shows.
    await expect.poll(async () => (await fetch(`${shopUrl}/api/checkout`, { method: 'POST', body: '{"targetingKey":"user-bob"}' })).status).toBe(503);
  });

  it('rolls a broken new checkout back automatically: the guard decides, switchyard serve tells everyone', async () => {
    await page.click('#kill'); // resume checkout
    await expect.poll(() => page.locator('#paused').isVisible(), { timeout: 5_000 }).toBe(false);
    await page.click('[data-percent="50"]');
    await expect.poll(async () => (await shoppersIn()).size, { timeout: 5_000 }).toBeLessThan(100);
    await page.click('#traffic');
    await page.click('#break');
    // 50 simulated orders a second, half on the new checkout failing 20% of the time vs 1%.
    await expect.poll(() => page.locator('#rollback').textContent(), { timeout: 30_000, interval: 250 }).toContain('rolled back new-checkout from "on" to "off"');
    expect(await page.locator('#rollback').textContent()).toMatch(/error rate \d+\.\d% \(\d+\/\d+\) vs \d+\.\d% .*mSPRT/);
    // The rollback went through switchyard serve: the page's own provider now serves "off" to everyone.
    await expect.poll(async () => (await shoppersIn()).size, { timeout: 5_000 }).toBe(0);
    expect(await cell('new-checkout', 'value').textContent()).toBe('false');
    const served = await (await fetch(`${(await (await fetch(`${shopUrl}/api/config`)).json()).switchyardUrl}/v1/rollbacks`)).json();
    expect(served.rollbacks).toMatchObject([{ flag: 'new-checkout', variant: 'off' }]);
    mkdirSync(report, { recursive: true });
    await page.screenshot({ path: join(report, 'demo.png'), fullPage: true });
    await page.click('#traffic'); // stop the shoppers
  }, 60_000);

  it('stops cleanly on Ctrl-C, taking switchyard serve with it', async () => {
    const { switchyardUrl } = await (await fetch(`${shopUrl}/api/config`)).json();
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`${switchyardUrl}/healthz`)).rejects.toThrow();
    await expect(fetch(shopUrl)).rejects.toThrow();
  });
});
