// What the browser tests of the pages share: reading the environment, Debian's Chromium driven by playwright-core
// from tests/js (scripts/npm-tools.sh installs it; Playwright's own browser download never runs), a page that
// records every console error, CSP violation, failed load and request elsewhere, timed steps with screenshots, and
// the steps every page starts with (loading it, signing in with the keyboard).
//
// Environment read here (the tests name what else they need):
//   REGFED_URL              base URL of a running node, e.g. http://127.0.0.1:8443
//   REGFED_SCREENSHOT_DIR   where the PNG screenshots go (default: a new folder under the temp dir)
//   REGFED_CHROMIUM         the browser (default /usr/bin/chromium)

import {createRequire} from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../js/package.json', import.meta.url));
const {chromium} = require('playwright-core');

/** How long one wait may take. */
export const STEP_MS = 15_000;

// Messages start with the test's name: its file name, e.g. "dpo-page".
const script = path.basename(process.argv[1] || 'browser-test.mjs');
const testName = script.replace(/\.mjs$/, '');

/** Ends the run with the message on stderr and exit status 1. */
export function fail(message) {
  console.error(`${testName}: ${message}`);
  process.exit(1);
}

/**
 * Checks that REGFED_URL and the variables in `required` are set (fails naming the missing ones); answers the
 * node's URL, the folder for screenshots (created) and the browser's path.
 */
export function environment(required) {
  const missing = ['REGFED_URL', ...required].filter((k) => !process.env[k]);
  if (missing.length) fail(`set ${missing.join(', ')} (see the head of ${script})`);
  const screenshots = process.env.REGFED_SCREENSHOT_DIR || fs.mkdtempSync(path.join(os.tmpdir(), `regfed-${testName}-`));
  fs.mkdirSync(screenshots, {recursive: true});
  return {
    url: process.env.REGFED_URL.replace(/\/+$/, ''),
    screenshots,
    chromium: process.env.REGFED_CHROMIUM || '/usr/bin/chromium',
  };
}

/** The claims of the token in the environment variable `variable`, to check what the header shows. */
export function claimsOf(variable) {
  try {
    return JSON.parse(Buffer.from(process.env[variable].trim().split('.')[1], 'base64url').toString('utf8'));
  } catch {
    return fail(`${variable} is not a JWT`);
  }
}

/** Polls condition until it answers something truthy (answered), or fails after timeout naming `what`. */
export async function waitUntil(condition, what, timeout = STEP_MS) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await condition();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs an action and waits for the API answer it causes (and for the page to have handled it). */
export async function withResponse(page, matches, action) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/v1/') && matches(new URL(r.url()), r.request()), {timeout: STEP_MS}),
    action(),
  ]);
  await page.waitForTimeout(100); // the page renders after the body has been read
  return response;
}

/**
 * Launches Chromium (German, Berlin time) on a fresh page of the node at `url`, and watches it: console errors
 * (except those the current step tolerates), CSP violations, uncaught errors, error answers for the page's own
 * files (under `site`, e.g. "/dpo/") or for /common/, and requests to any other origin are problems that fail the
 * step. Answers the harness the test's steps use.
 */
export async function openPage({url, site, screenshots, chromium: executablePath}) {
  const browser = await chromium.launch({executablePath, args: ['--no-sandbox', '--lang=de-DE'], headless: true});
  const context = await browser.newContext({acceptDownloads: true, locale: 'de-DE', timezoneId: 'Europe/Berlin',
    viewport: {width: 1400, height: 900}});
  // Chromium reports CSP violations on the console; the event listener makes sure none goes unseen.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);

  const problems = [];
  let tolerated = []; // console errors expected in the current step (a refusal the step provokes)
  page.on('console', (msg) => {
    const text = msg.text();
    const csp = /Content Security Policy|CSP violation/i.test(text);
    if ((msg.type() === 'error' || csp) && !(tolerated.some((re) => re.test(text)) && !csp)) {
      problems.push(`console ${msg.type()}: ${text}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (r) => {
    const u = new URL(r.url());
    if ((u.pathname.startsWith(site) || u.pathname.startsWith('/common/')) && r.status() >= 400) {
      problems.push(`${r.status()} for ${r.url()}`);
    }
    if (u.origin !== new URL(url).origin) problems.push(`request to another origin: ${r.url()}`);
  });

  let current = '';
  const shot = (name) => page.screenshot({path: path.join(screenshots, name), fullPage: true});
  const harness = {
    browser,
    page,
    shot,
    region: (name) => page.getByRole('region', {name, exact: true}),
    /** A button of the main navigation. */
    nav: (name) => page.getByRole('navigation', {name: 'Bereiche'}).getByRole('button', {name, exact: false}),
    /** Console errors matching these patterns are expected until the current step ends. */
    tolerate: (...patterns) => { tolerated = patterns; },

    /** Runs one step and prints its time; fails it when the page reported a problem meanwhile. */
    async step(name, fn) {
      current = name;
      const started = Date.now();
      await fn();
      if (problems.length) throw new Error(`the page reported problems:\n  ${problems.join('\n  ')}`);
      tolerated = [];
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    },

    /** Runs the steps; a failure takes failure.png and ends the run naming the step. */
    async run(steps) {
      try {
        await steps();
      } catch (error) {
        await shot('failure.png').catch(() => {});
        await browser.close();
        fail(`FAILED: ${current}\n  ${error.message.split('\n').join('\n  ')}\n  (screenshots in ${screenshots})`);
      }
      await browser.close();
      console.log(`${testName}: all steps passed; screenshots in ${screenshots}`);
    },

    /** Loads the page: 200, German, a CSP that allows scripts from the node only, the sign-in shown. */
    async load() {
      const response = await page.goto(`${url}${site}`);
      if (!response || response.status() !== 200) throw new Error(`GET ${site} answered ${response && response.status()}`);
      const csp = response.headers()['content-security-policy'] || '';
      if (!/script-src 'self'/.test(csp) || /unsafe-inline|unsafe-eval/.test(csp)) throw new Error(`unexpected CSP header: "${csp}"`);
      if ((await page.locator('html').getAttribute('lang')) !== 'de') throw new Error('html lang is not "de"');
      await page.getByRole('heading', {name: 'Anmeldung', level: 1}).waitFor();
      return response;
    },

    /**
     * Signs in with the keyboard only: Tab to the token field (which must show its focus), the token, Enter; waits
     * for the API answer `matches` picks.
     */
    async signInByKeyboard(token, matches) {
      await page.locator('body').focus();
      await waitUntil(async () => {
        await page.keyboard.press('Tab');
        return (await page.evaluate(() => document.activeElement && document.activeElement.id)) === 'token';
      }, 'the token field to get the focus by Tab', 5_000);
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      if (outline === 'none') throw new Error('the focused token field shows no focus outline');
      await page.keyboard.insertText(token);
      await withResponse(page, matches, () => page.keyboard.press('Enter'));
    },

    /**
     * The header names the signed-in user (and their name and municipality, when the token has them); nothing is
     * in localStorage.
     */
    async expectSignedIn(claims) {
      const who = await page.locator('#user-info').textContent();
      for (const part of [claims.sub, claims.name, claims.ags]) {
        if (part && !who.includes(part)) throw new Error(`the header does not name ${part}: "${who}"`);
      }
      if ((await page.evaluate(() => localStorage.length)) !== 0) throw new Error('the page wrote to localStorage');
    },
  };
  return harness;
}
