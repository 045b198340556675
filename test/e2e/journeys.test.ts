/**
 * What real users do, in real headless Chromium (issue 20), on the demo:
 * a wrong password, consent with values and an unticked attribute, refresh
 * and back/forward after signing in, two tabs at once, localhost instead of
 * 127.0.0.1, the wrong account at the provider (sign out and continue as
 * the one asked for; with identifier_select, continue as the signed-in one
 * or use another), cancel, a remembered site revoked, and sign-out. No page may answer with a 5xx.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, chromiumSkip as skip, startDemoProcess } from './chromium.js';

const PASSWORD = 'correct horse battery';

/** Every response status a page saw (to assert no 5xx anywhere). */
function watch(page: Page): number[] {
  const statuses: number[] = [];
  page.on('response', (r) => statuses.push(r.status()));
  return statuses;
}

/** No response a page saw was a server error. */
function assertNo5xx(statuses: readonly number[]): void {
  assert.ok(
    statuses.every((s) => s < 500),
    `no 5xx: ${statuses.join(',')}`,
  );
}

describe('demo journeys in real Chromium', { skip, timeout: 240_000 }, () => {
  let demo: ChildProcess;
  let base = '';
  let browser: Browser;

  before(async () => {
    ({ child: demo, base } = await startDemoProcess());
    browser = await launchChromium();
    // Two accounts, created in a throwaway context.
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    for (const [name, nick] of [
      ['alice', 'Ally'],
      ['erin', 'Erin'],
    ] as const) {
      await page.goto(`${base}/op/signup`);
      await page.fill('#username', name);
      await page.fill('#password', PASSWORD);
      await page.fill('#nickname', nick);
      await page.fill('#email', `${name}@example.org`);
      await page.click('#submit');
      await page.waitForSelector('#my-openid');
      await page.click('text=Sign out');
    }
    await ctx.close();
  });

  after(async () => {
    await browser?.close();
    demo?.kill('SIGTERM');
  });

  async function fresh(): Promise<{ ctx: BrowserContext; page: Page; statuses: number[] }> {
    const ctx = await browser.newContext();
    ctx.setDefaultTimeout(15_000);
    const page = await ctx.newPage();
    return { ctx, page, statuses: watch(page) };
  }

  async function providerSignIn(page: Page, user: string) {
    await page.goto(`${base}/op/login`);
    await page.fill('#username', user);
    await page.fill('#password', PASSWORD);
    await page.click('#submit');
    await page.waitForSelector('#my-openid');
  }

  /** At the site's home page, type `user`'s identifier and sign in. */
  async function loginWithIdentifier(page: Page, user: string) {
    await page.goto(`${base}/`);
    await page.fill('#openid_identifier', `${base}/op/id/${user}`);
    await page.click('#login');
  }

  /** At the site's home page, sign in with the provider's button (identifier_select). */
  async function loginWithProviderButton(page: Page) {
    await page.goto(`${base}/`);
    await page.click('#provider-button');
  }

  /** Allow at the consent page; the site then shows `user` signed in. */
  async function allowAndSeeSignedIn(page: Page, user: string) {
    await page.click('#allow');
    await page.waitForSelector('#claimed-id');
    assert.equal((await page.textContent('#claimed-id'))?.trim(), `${base}/op/id/${user}`);
  }

  test('happy path with a wrong password first (username kept), consent values, an unticked attribute not sent; refresh and back/forward show no failure; sign-out', async () => {
    const { ctx, page, statuses } = await fresh();
    await page.goto(`${base}/`);
    assert.equal(await page.getAttribute('#openid_identifier', 'type'), 'text');
    assert.equal(await page.getAttribute('#openid_identifier', 'inputmode'), 'url');
    await page.fill('#openid_identifier', `${base}/op/id/alice`);
    await page.click('#login');
    await page.waitForSelector('#password');
    await page.fill('#username', 'alice');
    await page.fill('#password', 'wrong password');
    await page.click('#submit');
    await page.waitForSelector('.error');
    assert.equal(await page.inputValue('#username'), 'alice', 'the username is kept after a wrong password');
    await page.fill('#password', PASSWORD);
    await page.click('#submit');
    await page.waitForSelector('#allow');
    assert.equal((await page.textContent('td[data-value="nickname"]'))?.trim(), 'Ally');
    assert.equal((await page.textContent('td[data-value="email"]'))?.trim(), 'alice@example.org');
    assert.match((await page.textContent('#attributes')) ?? '', /Email address/);
    assert.doesNotMatch((await page.textContent('#attributes')) ?? '', /axschema/);
    await page.uncheck('#share-email');
    await page.click('#allow');
    await page.waitForSelector('#claimed-id');
    assert.equal(
      new URL(page.url()).pathname,
      '/rp/me',
      'post/redirect/get: no assertion in the address bar',
    );
    assert.equal((await page.textContent('#claimed-id'))?.trim(), `${base}/op/id/alice`);
    assert.equal((await page.textContent('td[data-attr="nickname (SReg)"]'))?.trim(), 'Ally');
    assert.equal((await page.textContent('td[data-attr="email (SReg)"]'))?.trim(), 'not sent');
    assert.equal((await page.textContent('td[data-attr="email (AX)"]'))?.trim(), 'not sent');

    await page.reload();
    assert.equal(
      (await page.textContent('#outcome'))?.trim(),
      'Signed in',
      'refresh keeps the signed-in page',
    );
    await page.goBack();
    await page.waitForLoadState();
    assert.doesNotMatch((await page.textContent('body')) ?? '', /failed|unsolicited|state_used/i);
    await page.goForward();
    await page.waitForSelector('#claimed-id');
    assert.equal((await page.textContent('#outcome'))?.trim(), 'Signed in');

    await page.click('#sign-out');
    await page.waitForSelector('#openid_identifier');
    assert.equal(await page.$('#signed-in-note'), null);
    assertNo5xx(statuses);
    await ctx.close();
  });

  test('two tabs of one browser sign in at once and both succeed', async () => {
    const { ctx, page } = await fresh();
    await providerSignIn(page, 'alice');
    const tab1 = page;
    const tab2 = await ctx.newPage();
    for (const tab of [tab1, tab2]) {
      await loginWithProviderButton(tab);
      await tab.waitForSelector('#allow');
    }
    for (const tab of [tab2, tab1]) {
      await allowAndSeeSignedIn(tab, 'alice');
    }
    await ctx.close();
  });

  test('opening localhost instead of 127.0.0.1 lands on the printed origin and signs in', async () => {
    const { ctx, page } = await fresh();
    await providerSignIn(page, 'alice');
    const localhost = base.replace('127.0.0.1', 'localhost');
    await page.goto(`${localhost}/`);
    assert.equal(new URL(page.url()).origin, base);
    await page.fill('#openid_identifier', `${base}/op/id/alice`);
    await page.click('#login');
    await allowAndSeeSignedIn(page, 'alice');
    await ctx.close();
  });

  test('signed in at the provider as erin, asking for alice: a clear choice, no 5xx; switching keeps the login', async () => {
    const { ctx, page, statuses } = await fresh();
    await providerSignIn(page, 'erin');
    await loginWithIdentifier(page, 'alice');
    await page.waitForSelector('#wrong-account');
    assert.match((await page.textContent('#switch')) ?? '', /Sign out and continue as alice/);
    assert.ok(await page.$('#cancel'), 'a way back to the site');
    assert.equal(await page.$('#allow'), null, 'no Allow: the provider may not answer for alice as erin');
    await page.click('#switch');
    await page.waitForSelector('#password');
    assert.equal(await page.inputValue('#username'), 'alice');
    await page.fill('#password', PASSWORD);
    await page.click('#submit');
    await allowAndSeeSignedIn(page, 'alice');
    assertNo5xx(statuses);
    await ctx.close();
  });

  test('signed in at the provider as erin, the site lets the provider choose: "continue as erin" signs in as erin', async () => {
    const { ctx, page, statuses } = await fresh();
    await providerSignIn(page, 'erin');
    await loginWithProviderButton(page);
    await page.waitForSelector('#allow');
    assert.equal((await page.textContent('#allow'))?.trim(), 'Continue as erin');
    assert.match((await page.textContent('#other-account')) ?? '', /use another account/);
    await allowAndSeeSignedIn(page, 'erin');
    assertNo5xx(statuses);
    await ctx.close();
  });

  test('signed in at the provider as erin, the site lets the provider choose: "use another account" signs in as alice', async () => {
    const { ctx, page, statuses } = await fresh();
    await providerSignIn(page, 'erin');
    await loginWithProviderButton(page);
    await page.click('#other-account');
    await page.waitForSelector('#password');
    assert.equal(await page.inputValue('#username'), '', 'no name is suggested: the site asked for none');
    await page.fill('#username', 'alice');
    await page.fill('#password', PASSWORD);
    await page.click('#submit');
    assert.equal((await page.textContent('#allow'))?.trim(), 'Continue as alice');
    await allowAndSeeSignedIn(page, 'alice');
    assertNo5xx(statuses);
    await ctx.close();
  });

  test('cancel at the consent page comes back as a human message, not a failure page', async () => {
    const { ctx, page } = await fresh();
    await providerSignIn(page, 'alice');
    await loginWithProviderButton(page);
    await page.click('#cancel');
    await page.waitForSelector('#error-code');
    assert.equal((await page.textContent('#error-code'))?.trim(), 'cancel');
    assert.match((await page.textContent('#error')) ?? '', /You cancelled/);
    await ctx.close();
  });

  test('a remembered site is listed under "sites you trust" and can be revoked; then it asks again', async () => {
    const { ctx, page } = await fresh();
    await providerSignIn(page, 'alice');
    await loginWithProviderButton(page);
    await page.check('#always');
    await allowAndSeeSignedIn(page, 'alice');
    await page.goto(`${base}/op/sites`);
    assert.match((await page.textContent('#sites')) ?? '', new RegExp(`${base}/`.replace(/[.]/g, '\\.')));
    await page.click(`button[data-revoke="${base}/"]`);
    await page.waitForSelector('#no-sites');
    await loginWithProviderButton(page);
    await page.waitForSelector('#allow');
    await ctx.close();
  });

  test('an unknown page is an HTML 404; a long identifier keeps the page narrow and is kept after the error', async () => {
    const { ctx, page } = await fresh();
    const res = await page.goto(`${base}/no/such/page`);
    assert.equal(res?.status(), 404);
    assert.match((await page.textContent('h1')) ?? '', /not found/i);
    await page.goto(`${base}/`);
    const long = `http://${'a'.repeat(5000)}.invalid/`;
    await page.fill('#openid_identifier', long);
    await page.click('#login');
    await page.waitForSelector('#error');
    assert.equal(await page.inputValue('#openid_identifier'), long);
    const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(width < 2000, `page width ${width}px`);
    await ctx.close();
  });
});
