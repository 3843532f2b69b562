// Issue 3, item 2 at scale: with 1,000 extra keys the inventory follows every ListKeys page,
// shows "described N of TOTAL" while loading and ends with every key counted.
import { expect, test } from '@playwright/test';
import { cliKeyIds, resetPeer, StsCredentials } from './support/peer';
import { connect, countOps, keyRow, rowIds, trackAwsRequests, wholeNumber } from './support/ui';

const BULK = 1000;
let creds: StsCredentials;

test.beforeAll(async () => {
  creds = await resetPeer({ bulk: BULK });
});

test.afterAll(async () => {
  // Back to the plain demo fleet for whatever runs next.
  await resetPeer({ bulk: 0 });
});

test('1,000+ keys: every ListKeys page is read, progress counts to the total', async ({ page }) => {
  // Generous: loading 1,000+ keys took 5-7 min in the release build on a 2-core machine.
  test.setTimeout(1_200_000);
  const ids = await cliKeyIds(creds, 'us-east-1');
  expect(ids.length).toBeGreaterThan(BULK);
  const total = ids.length;
  const seen = trackAwsRequests(page);
  await connect(page, creds);

  const progress = page.getByTestId('inventory-progress');
  await expect(progress, 'no "inventory-progress" while 1,000+ keys load').toBeVisible();
  // "described 140 of 1,021": the total, with or without a thousands separator.
  await expect.poll(async () => (await progress.innerText()).replace(/(\d)[,.\u202f\u00a0 ](\d{3})/g, '$1$2')).toMatch(
    wholeNumber(total),
  );
  await expect(progress).toBeHidden({ timeout: 1_100_000 });
  expect(countOps(seen, 'ListKeys'), 'the inventory did not follow NextMarker').toBeGreaterThanOrEqual(2);
  await expect
    .poll(async () => (await page.getByTestId('inventory-count').innerText()).replace(/(\d)[,.\u202f\u00a0 ](\d{3})/g, '$1$2'))
    .toMatch(wholeNumber(total));

  // A key from the last page is there and filled in.
  const filter = page.getByTestId('inventory-filter');
  await filter.fill(`bulk-${String(BULK).padStart(4, '0')}`);
  await expect.poll(async () => (await rowIds(page)).length).toBe(1);
  const [id] = await rowIds(page);
  expect(ids).toContain(id);
  await expect(keyRow(page, id).getByTestId('key-state')).toHaveText(/enabled/i);
  await expect(keyRow(page, id).getByTestId('key-remaining')).toHaveText(wholeNumber(25));
});
