import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { tempDir } from './broker-process.js';

/**
 * Debian's Chromium (installed by scripts/ensure-chromium.sh), headless, with the flags that
 * keep it off the network: this machine has none beyond loopback.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where screenshots go: `METAQ_SCREENSHOTS` (docs/console refreshes the documentation's), else a temporary folder. */
export function screenshotDir(): string {
  const dir = process.env.METAQ_SCREENSHOTS ?? tempDir('screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function screenshot(page: Page, dir: string, name: string): Promise<void> {
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
