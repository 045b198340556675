/**
 * A real browser (Debian's headless Chromium via playwright-core) through the
 * demo: sign up at the provider, sign in at the relying party, consent, and
 * back; then a cancel at the consent page. Screenshots of the main pages go
 * to test-artifacts/screenshots/ (not committed).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, startDemoProcess } from './chromium.js';

const CHROMIUM = '/usr/bin/chromium';
const shots = join(process.cwd(), 'test-artifacts', 'screenshots');
const skip = existsSync(CHROMIUM)
  ? false
  : (() => {
      if (process.env['CI'])
        throw new Error(`CI needs ${CHROMIUM} (scripts/test-env.sh installs Debian's chromium)`);
      process.stderr.write(`SKIP: ${CHROMIUM} not installed (run scripts/test-env.sh)\n`);
      return `${CHROMIUM} not installed`;
    })();

describe('the demo in a real browser', { skip, timeout: 180_000 }, () => {
  let demo: ChildProcess;
  let base = '';
  let browser: Browser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), 'openid2-browser-'));

  before(async () => {
    mkdirSync(shots, { recursive: true });
    ({ child: demo, base } = await startDemoProcess(`sqlite:${join(dir, 'demo.db')}`));
    browser = await launchChromium();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    demo?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  test('sign up, sign in at the site with the OpenID, consent, and see the claimed id and nickname', async () => {
    await page.goto(`${base}/op/signup`);
    await page.screenshot({ path: join(shots, 'provider-signup.png') });
    await page.fill('#username', 'alice');
    await page.fill('#password', 'correct horse battery');
    await page.fill('#nickname', 'Ally');
    await page.fill('#fullname', 'Alice Example');
    await page.fill('#email', 'alice@example.org');
    await page.click('#submit');
    assert.match((await page.textContent('#my-openid')) ?? '', /\/op\/id\/alice$/);

    await page.goto(`${base}/`);
    await page.screenshot({ path: join(shots, 'rp-login.png') });
    await page.fill('#openid_identifier', `${base}/op/id/alice`);
    await page.click('#login');
    await page.waitForSelector('#allow');
    assert.equal((await page.textContent('#realm'))?.trim(), `${base}/`);
    assert.match((await page.textContent('#attributes')) ?? '', /Nickname\s*Ally/);
    // The demo site publishes its return_to in its realm's XRDS, so the provider verifies it.
    assert.match((await page.textContent('main')) ?? '', /return address is verified/);
    await page.screenshot({ path: join(shots, 'provider-consent.png') });
    await page.click('#allow');
    await page.waitForSelector('#claimed-id');
    assert.equal((await page.textContent('#outcome'))?.trim(), 'Signed in');
    assert.equal((await page.textContent('#claimed-id'))?.trim(), `${base}/op/id/alice`);
    assert.equal((await page.textContent('td[data-attr="nickname (SReg)"]'))?.trim(), 'Ally');
    await page.screenshot({ path: join(shots, 'rp-signed-in.png') });
  });

  test('the provider button (identifier_select) with a cancel at the consent page ends cancelled', async () => {
    await page.goto(`${base}/`);
    await page.click('#provider-button');
    await page.waitForSelector('#cancel');
    await page.click('#cancel');
    await page.waitForSelector('#error-code');
    assert.equal((await page.textContent('#error-code'))?.trim(), 'cancel');
    await page.screenshot({ path: join(shots, 'rp-cancelled.png') });
  });
});
