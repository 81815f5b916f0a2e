import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core (which downloads no browser of its own). CI
 * installs it (.ci/run); on a developer machine without it the browser tests skip and say what
 * to install, but under CI a missing browser fails them: a suite that silently skipped its
 * browser tests would pass without testing the page.
 */

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** How long a browser test waits for one thing: generous, as CI shares two cores. */
export const DEADLINE_MS = 20_000;
/** A browser test: several waits of up to `DEADLINE_MS` each, on a loaded machine. */
export const TEST_TIMEOUT_MS = 90_000;

export const INSTALL_HINT = 'install Chromium to run them: sudo apt-get install -y chromium';

/** The browser binary: `CHROMIUM_PATH` when set, else the first of the usual places. */
export function findChromium(): string | undefined {
  const named = process.env['CHROMIUM_PATH'];
  if (named) return named;
  return CANDIDATES.find((path) => existsSync(path));
}

/** Whether the browser tests run here: always under CI, else when a Chromium is installed. */
export function browserTestsRun(): boolean {
  const run = Boolean(process.env['CI']) || findChromium() !== undefined;
  if (!run) console.warn(`Skipping the inspector's browser tests: ${INSTALL_HINT}`);
  return run;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error(`No Chromium found; ${INSTALL_HINT}`);
  // As root (CI), Chromium refuses to start with its sandbox.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}
