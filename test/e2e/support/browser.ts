/**
 * The console's browser tests (docs/console.md): Debian's Chromium driven by playwright-core (no
 * downloaded browser builds), one browser per test file and a fresh context (cookies, storage) per
 * test, against a real campaignd listening on 127.0.0.1 (console-server.ts).
 *
 *   const browser = useBrowser();
 *   it('...', async () => {
 *     const { page, problems } = browser();
 *     await page.goto(`${server().baseUrl}/console/`);
 *     expect(problems).toEqual([]);
 *   });
 *
 * Without Chromium the tests fail, saying how to install it: they are never skipped.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

/** The Chromium binary: CHROMIUM_PATH, else Debian's `chromium` package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Where tests save the screens they visit (CI keeps it as an artifact; README names it). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../.tmp/e2e-screenshots', import.meta.url));

export function chromiumPath(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  throw new Error(
    `Chromium not found at ${CHROMIUM_PATH}: the console's browser tests (test/e2e) need it. ` +
      "Install Debian's package with `apt-get install -y chromium` (.ci/run does), or point " +
      'CHROMIUM_PATH at a Chromium or Chrome binary.',
  );
}

export async function launchBrowser(): Promise<Browser> {
  const runningAsRoot = process.getuid?.() === 0;
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Chromium's sandbox refuses to run as root (CI containers); elsewhere it stays on.
    args: [...(runningAsRoot ? ['--no-sandbox'] : []), '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** Everything a page should never do: console errors, uncaught exceptions, CSP violations. */
export type Problem = { kind: 'console' | 'pageerror' | 'csp'; text: string };

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** What went wrong in any page of this test's context so far (see Problem). */
  problems: Problem[];
  /** Saves a full-page screenshot as SCREENSHOT_DIR/<test file>/<name>.png; returns its path. */
  screenshot(name: string, page?: Page): Promise<string>;
}

const CSP_TAG = '[csp-violation]';

/**
 * Reports every Content-Security-Policy violation to the console, where Problems collects it. Runs
 * through the DevTools protocol, so the page's own policy does not block it.
 */
const reportCspViolations = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error(${JSON.stringify(CSP_TAG)} + ' ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});`;

/**
 * Chromium asks for /favicon.ico by itself when a page names no icon; its 404 is the browser's
 * guess, not something the page asked for.
 */
function isBrowsersOwnFaviconRequest(text: string, url: string): boolean {
  if (!text.startsWith('Failed to load resource')) return false;
  try {
    return new URL(url).pathname === '/favicon.ico';
  } catch {
    return false;
  }
}

export async function newSession(browser: Browser, testFile: string): Promise<BrowserSession> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript({ content: reportCspViolations });
  const problems: Problem[] = [];
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const text = m.text();
      if (isBrowsersOwnFaviconRequest(text, m.location().url)) return;
      problems.push(text.startsWith(CSP_TAG) ? { kind: 'csp', text } : { kind: 'console', text });
    });
    page.on('pageerror', (err) => problems.push({ kind: 'pageerror', text: String(err.stack ?? err) }));
  };
  context.on('page', watch);
  const page = await context.newPage();
  const dir = join(SCREENSHOT_DIR, basename(testFile).replace(/\.test\.ts$/, ''));
  return {
    browser,
    context,
    page,
    problems,
    screenshot: async (name, p = page) => {
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
      await p.screenshot({ path, fullPage: true });
      return path;
    },
  };
}

/** One Chromium for the test file, a fresh context and page for each test. */
export function useBrowser(): () => BrowserSession {
  let browser: Browser | undefined;
  let session: BrowserSession | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    if (!browser) throw new Error('the browser did not start');
    session = await newSession(browser, expect.getState().testPath ?? 'e2e');
  });
  afterEach(async () => {
    await session?.context.close();
    session = undefined;
  });
  return () => {
    if (!session) throw new Error('no browser session: call it inside a test');
    return session;
  };
}

export { startConsoleServer, useConsoleServer } from './console-server.js';
export type { ConsoleServer, ConsoleServerOptions, ConsoleTenant } from './console-server.js';
