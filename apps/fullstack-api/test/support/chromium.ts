import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium: CHROMIUM_PATH, else Debian's package, else a browser Playwright installed;
 * with none of them, an error that says how to get one.
 */
export async function launchChromium(): Promise<Browser> {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', chromium.executablePath()];
  const executablePath = candidates.find((path) => path && existsSync(path));
  if (!executablePath) {
    throw new Error(
      'No Chromium found for the browser test. Install one with `apt-get install -y chromium` ' +
        '(Debian) or `npx playwright install chromium`, or point CHROMIUM_PATH at a Chromium binary.',
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
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
