import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 1280, height: 900 } });
await p.goto('file:///tmp/cli-docs/data-dictionary.html');
await p.screenshot({ path: '/tmp/docs-top.png' });
await p.goto('file:///tmp/cli-docs/data-dictionary.html#l1_cases');
await p.screenshot({ path: '/tmp/docs-l1.png' });
await b.close();
