import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Request } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium fonts-noto-cjk`); playwright's own download is not used. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return existsSync(chromiumPath);
}

/** Headless Chromium with everything that could reach the network switched off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
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

/**
 * A browser context that lets only file:// requests through and records every request the
 * pages make, so a test can assert that nothing left the machine.
 */
export async function offlineContext(browser: Browser, viewport = { width: 1366, height: 768 }): Promise<{ context: BrowserContext; requests: string[] }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const requests: string[] = [];
  context.on('request', (r: Request) => {
    requests.push(r.url());
  });
  await context.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : route.abort()));
  return { context, requests };
}
