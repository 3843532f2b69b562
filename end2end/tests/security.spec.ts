// Server strings are text, never markup; credentials never land in storage (unless the user opts
// in), the URL or the page.
import { expect, Page, test } from '@playwright/test';
import { XSS_DESCRIPTION } from './support/fleet';
import { useDemoFleet } from './support/demo';
import { credentialStringsOf, secretsOf } from './support/peer';
import {
  connect,
  expectNoneOf,
  goToKey,
  keyRow,
  openKeyPanel,
  pageContents,
  requestLog,
  storageSnapshot,
  waitForInventory,
} from './support/ui';

// The leak check rotates a key: start each test from the seeded demo fleet.
const demo = useDemoFleet('each');

test('the XSS description renders as text and runs no script', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await connect(page, demo.creds);
  await waitForInventory(page, demo.fleet.ids());
  const key = demo.fleet.xss();

  const panel = await openKeyPanel(page, key.KeyId);
  await expect(panel).toContainText(XSS_DESCRIPTION);
  // Filtering on the description finds it too (the description is text the filter can match).
  await page.getByTestId('key-panel-close').click();
  await page.getByTestId('inventory-filter').fill('onerror=alert');
  await expect(keyRow(page, key.KeyId)).toBeVisible();
  await page.getByTestId('inventory-filter').fill('');

  await page.waitForTimeout(1_500);
  expect(await page.locator('img[src="x"]').count(), 'an <img src=x> element was created from the description').toBe(0);
  expect(
    await page.evaluate(() => Array.from(document.querySelectorAll('[onerror]')).length),
    'an element with an onerror attribute exists',
  ).toBe(0);
  expect(dialogs, 'a script from the description ran').toEqual([]);
  expect(errors, 'uncaught page errors').toEqual([]);
});

async function expectNoLeaks(page: Page, when: string, sessionAllowed = false): Promise<void> {
  const snap = await storageSnapshot(page);
  expectNoneOf(snap.local, credentialStringsOf(demo.creds), `localStorage ${when}`);
  if (!sessionAllowed) expectNoneOf(snap.session, credentialStringsOf(demo.creds), `sessionStorage ${when}`);
  expectNoneOf(snap.url, credentialStringsOf(demo.creds), `the URL ${when}`);
  expectNoneOf(snap.cookies, credentialStringsOf(demo.creds), `cookies ${when}`);
  expectNoneOf(await pageContents(page), secretsOf(demo.creds), `the page ${when}`);
}

test('credentials stay out of storage, the URL and the page through a whole session', async ({ page }) => {
  await connect(page, demo.creds);
  await expectNoLeaks(page, 'after connecting');
  await waitForInventory(page, demo.fleet.ids());
  await expectNoLeaks(page, 'after loading the inventory');

  const key = demo.fleet.plainRotatable();
  const panel = await openKeyPanel(page, key.KeyId);
  await expectNoLeaks(page, 'with a key panel open');
  await panel.getByTestId('rotate-now').click();
  await expect(page.getByTestId('rotate-dialog')).toBeVisible();
  await expectNoLeaks(page, 'with the rotate dialog open');
  await page.getByTestId('confirm-rotate').click();
  await expect(panel.getByTestId('rotation-in-progress')).toBeHidden({ timeout: 90_000 });
  await expectNoLeaks(page, 'after a rotation');

  // Expand every request log row.
  const log = await requestLog(page);
  const rows = log.getByTestId('request-log-row');
  const n = Math.min(await rows.count(), 40);
  for (let i = 0; i < n; i++) {
    const row = rows.nth(i);
    const tag = await row.evaluate((el) => el.tagName.toLowerCase());
    if (tag === 'details') await row.locator('summary').first().click();
    else await row.click();
  }
  await expectNoLeaks(page, 'with the request log expanded');

  await goToKey(page, demo.fleet.used(24).Aliases[0].AliasName);
  await expect(page.getByTestId('key-panel')).toHaveAttribute('data-key-id', demo.fleet.used(24).KeyId);
  await expectNoLeaks(page, 'after "go to key"');

  await page.getByTestId('disconnect').click();
  await expect(page.getByTestId('credentials-paste')).toBeVisible();
  await expectNoLeaks(page, 'after Disconnect');
  // Disconnect forgets the access key id too: not even the form keeps it.
  expectNoneOf(await pageContents(page), credentialStringsOf(demo.creds), 'the page after Disconnect');
});

test('with "remember in this tab", only sessionStorage holds the credentials', async ({ page }) => {
  await connect(page, demo.creds, { remember: true });
  await waitForInventory(page, demo.fleet.ids());
  await expectNoLeaks(page, 'when remembered', true);
  const snap = await storageSnapshot(page);
  expect(snap.session).toContain(demo.creds.Credentials.SessionToken);
});
