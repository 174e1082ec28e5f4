import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install chromium`, done by
 * scripts/install-test-deps.sh), driven through playwright-core, which
 * downloads no browser of its own. `CHROMIUM` overrides the path.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * `--no-sandbox`: the tests run as root, and Chromium refuses to start its
 * sandbox as root. `--headless=new`: the full browser, headless (Debian ships
 * no separate headless shell).
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--headless=new'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /**
   * Every console error (which includes CSP violations and failed loads)
   * and every uncaught exception in the page, as `kind: message (where)`.
   */
  errors: string[];
  close(): Promise<void>;
}

/**
 * A fresh page (its own context: no cookies shared with other pages) that
 * records script errors, so a test can `expect(p.errors).toEqual([])`.
 */
export async function openPage(browser: Browser, opts: { viewport?: { width: number; height: number } } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const at = msg.location();
    errors.push(`console error: ${msg.text()}${at.url ? ` (${at.url}:${at.lineNumber})` : ''} on ${page.url()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.stack ?? err.message} on ${page.url()}`));
  page.on('crash', () => errors.push(`page crashed on ${page.url()}`));
  return { page, context, errors, close: () => context.close() };
}
