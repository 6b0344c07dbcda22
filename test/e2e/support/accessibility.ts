/**
 * Accessibility checks for the console's browser tests (issue 16: "usable by keyboard, labelled for
 * screen readers, readable at 1280×800 and on a narrow window; no layout that depends on a font").
 *
 * - `axeViolations(page)`: axe-core (a devDependency) run on the page with the WCAG 2.0 / 2.1 A and
 *   AA rules and axe's best practices; `expectNoAxeViolations` fails listing each violation's id,
 *   impact, targets and help.
 * - `tabThrough(page)`: presses Tab until the focus comes back round, and says for each stop what
 *   Chromium's accessibility tree calls it (role and name) and whether a focus indicator shows.
 * - `horizontalOverflow(page)`: how far the page itself scrolls sideways (tables scroll in their own
 *   `.table-scroll` box, which is allowed).
 *
 * How axe gets into the page: the console's Content-Security-Policy is `script-src 'self'`, so a
 * `<script>` element with axe's text (`page.addScriptTag({ content })`) would be refused (and the
 * test's CSP watcher would report it). axe's source is evaluated instead through the DevTools protocol
 * (`page.evaluate`, i.e. `Runtime.evaluate`), which the page's policy does not govern, the same way
 * browser.ts installs its CSP watcher. So the checks run against the page under its real policy: no
 * `bypassCSP` context, which would also hide a CSP violation of the console itself.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const require = createRequire(import.meta.url);
let axeSource: string | undefined;
const axeSourceText = () => (axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));

/**
 * The rules the console is held to: WCAG 2.0 and 2.1, levels A and AA (issue 16), and axe's best
 * practices (unique landmarks, one main, heading order, …), which the console passes too.
 */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] as const;

export type Impact = 'minor' | 'moderate' | 'serious' | 'critical';

export interface AxeViolation {
  id: string;
  impact: Impact | null;
  help: string;
  helpUrl: string;
  /** Selectors of the offending nodes, with axe's summary of what is wrong with each. */
  nodes: { target: string; summary: string }[];
}

/**
 * Code that runs in the page is JavaScript text: these tests are type-checked as Node code, without
 * the DOM's types, and `page.evaluate` sends a string as it is.
 */
const inPage = (fn: string, arg: unknown) => `(${fn})(${JSON.stringify(arg)})`;

async function injectAxe(page: Page): Promise<void> {
  if (await page.evaluate("typeof window.axe === 'object'")) return;
  // Evaluated as a script (a string is not wrapped as a function): axe's UMD sets window.axe.
  await page.evaluate(axeSourceText());
}

const RUN_AXE = String.raw`async (tags) => {
  const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map(String).join(' '),
      summary: (n.failureSummary || '').replace(/\s+/g, ' ').trim(),
    })),
  }));
}`;

/** Runs axe-core on the page (the whole document) with the AXE_TAGS rules. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await injectAxe(page);
  return (await page.evaluate(inPage(RUN_AXE, AXE_TAGS))) as AxeViolation[];
}

/** One line per offending node: `[impact] id: help — target (summary)`. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .flatMap((v) => v.nodes.map((n) => `[${v.impact ?? 'unknown'}] ${v.id}: ${v.help} — ${n.target} (${n.summary})`))
    .join('\n');
}

/**
 * Fails when axe finds a violation of at least `minImpact` (default: any, so moderate and minor ones
 * fail too), listing every one found.
 */
export async function expectNoAxeViolations(page: Page, screen: string, minImpact: Impact = 'minor'): Promise<void> {
  const order: Impact[] = ['minor', 'moderate', 'serious', 'critical'];
  const found = await axeViolations(page);
  const failing = found.filter((v) => order.indexOf(v.impact ?? 'critical') >= order.indexOf(minImpact));
  expect(failing, `axe-core on ${screen}:\n${describeViolations(failing)}`).toEqual([]);
}

/** One stop of the Tab key. */
export interface TabStop {
  /** A short description of the element: tag, type, id or class, text. */
  element: string;
  /** Chromium's computed role and accessible name (what a screen reader says). */
  role: string;
  name: string;
  /** An outline or a box-shadow is drawn around it while it has the focus. */
  focusVisible: boolean;
  /** Its place in the document, to check that Tab follows the reading order. */
  order: number;
}

export interface TabWalk {
  stops: TabStop[];
  /** Interactive controls on the screen (visible, enabled) that Tab never reached. */
  unreached: string[];
  /** Elements with a positive tabindex (which takes Tab away from the reading order). */
  positiveTabindex: string[];
}

const MARK = 'data-a11y-tab';

type Seen =
  | { kind: 'none' }
  | { kind: 'again' }
  | { kind: 'same' }
  | { kind: 'new'; element: string; focusVisible: boolean; order: number };

/** What has the focus now: nothing, the last stop still, an element seen before, or a new one (then marked). */
const FOCUSED = String.raw`(mark) => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return { kind: 'none' };
  // Date and time inputs take several Tabs (one per part): the same element again is not a new stop.
  if (el === window.__a11yLastFocused) return { kind: 'same' };
  if (el.hasAttribute(mark)) return { kind: 'again' };
  window.__a11yLastFocused = el;
  el.setAttribute(mark, '');
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
  const text = (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 40);
  const id = el.id ? '#' + el.id : typeof el.className === 'string' && el.className ? '.' + el.className : '';
  const type = el.getAttribute('type');
  return {
    kind: 'new',
    element: '<' + el.tagName.toLowerCase() + (type ? ' type=' + type : '') + (id ? ' ' + id : '') + '>' + (text ? ' “' + text + '”' : ''),
    focusVisible: outline || shadow,
    order: [...document.querySelectorAll('*')].indexOf(el),
  };
}`;

/** The controls that Tab should have reached (see tabThrough) and did not; positive tabindexes. */
const UNREACHED = String.raw`(mark) => {
  const scope = document.querySelector('dialog[open]:modal') || document;
  const candidates = [
    ...scope.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])'),
  ].filter((el) => !el.disabled && el.checkVisibility({ visibilityProperty: true }) && !el.closest('[inert]'));
  const describe = (el) =>
    '<' + el.tagName.toLowerCase() + '> “' + (el.textContent || el.getAttribute('aria-label') || el.id || el.getAttribute('name') || '').trim().slice(0, 40) + '”';
  const radioGroups = new Map();
  const missing = [];
  for (const el of candidates) {
    if (el instanceof HTMLInputElement && el.type === 'radio' && el.name) radioGroups.set(el.name, [...(radioGroups.get(el.name) || []), el]);
    else if (!el.hasAttribute(mark)) missing.push(describe(el));
  }
  for (const [name, radios] of radioGroups) if (!radios.some((r) => r.hasAttribute(mark))) missing.push('radio group “' + name + '”');
  const positive = [...document.querySelectorAll('[tabindex]')].filter((el) => el.tabIndex > 0).map(describe);
  return { unreached: missing, positiveTabindex: positive };
}`;

/**
 * Presses Tab from wherever the focus is until it comes back to an element it reached before (or
 * `maxStops`), and reports the stops starting from the first control of the page. The controls Tab
 * should reach are the visible, enabled links, buttons, form controls and elements with tabindex ≥ 0
 * (inside the open modal dialog when there is one: the rest of the page is inert), and of a group of
 * radio buttons one. Role and name come from Chromium's accessibility tree (DevTools protocol).
 */
export async function tabThrough(page: Page, maxStops = 200): Promise<TabWalk> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await page.evaluate(
      inPage(
        `(mark) => { window.__a11yLastFocused = undefined; for (const el of document.querySelectorAll('[' + mark + ']')) el.removeAttribute(mark); }`,
        MARK,
      ),
    );
    const stops: TabStop[] = [];
    let gaps = 0;
    for (let presses = 0; stops.length < maxStops && presses < maxStops * 4; presses++) {
      await page.keyboard.press('Tab');
      const seen = (await page.evaluate(inPage(FOCUSED, MARK))) as Seen;
      if (seen.kind === 'again') break;
      if (seen.kind === 'same') continue;
      if (seen.kind === 'none') {
        // Past the last control Chromium leaves the page once before coming round again.
        if (++gaps > 2) break;
        continue;
      }
      const { result } = await cdp.send('Runtime.evaluate', { expression: 'document.activeElement' });
      const { nodes } = await cdp.send('Accessibility.getPartialAXTree', {
        objectId: result.objectId!,
        fetchRelatives: false,
      });
      const ax = nodes[0];
      stops.push({
        element: seen.element,
        role: String(ax?.role?.value ?? ''),
        name: String(ax?.name?.value ?? '').trim(),
        focusVisible: seen.focusVisible,
        order: seen.order,
      });
    }
    // Start from the first control of the page, wherever the focus was.
    const first = stops.reduce((best, s, i) => (s.order < stops[best]!.order ? i : best), 0);
    const ordered = [...stops.slice(first), ...stops.slice(0, first)];
    const rest = (await page.evaluate(inPage(UNREACHED, MARK))) as Omit<TabWalk, 'stops'>;
    return { stops: ordered, ...rest };
  } finally {
    await cdp.detach();
  }
}

/**
 * Tab reaches every control, in document order, each with a visible focus indicator and an
 * accessible name. Returns the stops.
 */
export async function expectKeyboardUsable(page: Page, screen: string): Promise<TabStop[]> {
  const walk = await tabThrough(page);
  const list = walk.stops.map((s) => `${s.role} “${s.name}” ${s.element}${s.focusVisible ? '' : ' (no focus ring)'}`);
  const where = `${screen}; Tab stops:\n${list.join('\n')}`;
  expect(walk.stops.length, `no Tab stop on ${where}`).toBeGreaterThan(0);
  expect(walk.unreached, `controls Tab never reaches on ${where}`).toEqual([]);
  expect(walk.positiveTabindex, `positive tabindex on ${where}`).toEqual([]);
  expect(
    walk.stops.filter((s) => !s.name).map((s) => s.element),
    `Tab stops without an accessible name on ${where}`,
  ).toEqual([]);
  expect(
    walk.stops.filter((s) => !s.focusVisible).map((s) => s.element),
    `Tab stops without a visible focus indicator on ${where}`,
  ).toEqual([]);
  const outOfOrder = walk.stops.filter((s, i) => i > 0 && s.order < walk.stops[i - 1]!.order).map((s) => s.element);
  expect(outOfOrder, `Tab goes back up the page on ${where}`).toEqual([]);
  return walk.stops;
}

/** Elements that stick out of the window, other than inside a box that scrolls by itself. */
const WIDER_THAN_WINDOW = String.raw`(() => {
  const width = window.innerWidth;
  return [...document.querySelectorAll('body *')]
    .filter((el) => {
      if (el.getBoundingClientRect().right <= width + 1) return false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
      }
      return true;
    })
    .slice(0, 10)
    .map((el) => '<' + el.tagName.toLowerCase() + ' class="' + el.className + '"> right edge ' + Math.round(el.getBoundingClientRect().right));
})()`;

/** How many CSS pixels the page scrolls sideways (0 when it fits the window). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return (await page.evaluate(
    'Math.max(0, Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth)',
  )) as number;
}

/** The page itself never scrolls sideways; wide tables scroll inside their own box. */
export async function expectNoHorizontalScroll(page: Page, screen: string): Promise<void> {
  const over = await horizontalOverflow(page);
  if (over <= 1) return;
  const culprits = (await page.evaluate(WIDER_THAN_WINDOW)) as string[];
  const width = (await page.evaluate('window.innerWidth')) as number;
  expect(over, `${screen} scrolls sideways by ${over}px at ${width}px: ${culprits.join('; ')}`).toBe(0);
}
