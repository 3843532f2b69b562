// Issue 3, item 4: rotate now. Exactly one RotateKeyOnDemand per confirmation (double click
// included), the in-progress mark, history and quota refresh, the 25th rotation, the server's
// LimitExceededException, and an ambiguous failure reconciled instead of re-sent.
import { expect, Page, test } from '@playwright/test';
import { FleetKey } from './support/fleet';
import { useDemoFleet } from './support/demo';
import { awsCli, cliOnDemandCount, cliRemaining, ON_DEMAND_LIMIT, peerUrl } from './support/peer';
import { countOps, firstInt, keyRow, openKeyPanel, SeenRequest, wholeNumber } from './support/ui';

// Every test here rotates keys: start each from the seeded demo fleet. A rotation stays in
// progress for 6 s (peer default 3 s) so the in-progress state is there to be seen.
const demo = useDemoFleet('each', { rotation_seconds: 6 });

const rotationsOf = (seen: SeenRequest[], key: FleetKey) =>
  seen.filter((r) => r.operation === 'RotateKeyOnDemand' && r.body.includes(key.KeyId)).length;

/** The row's "in progress" mark: as text, or as the accessible label of an icon. */
async function rowSaysInProgress(page: Page, keyId: string): Promise<boolean> {
  return keyRow(page, keyId).evaluate((row) => {
    if (/in progress/i.test(row.textContent ?? '')) return true;
    return Array.from(row.querySelectorAll('[aria-label],[title]')).some((el) =>
      /in progress/i.test(`${el.getAttribute('aria-label') ?? ''} ${el.getAttribute('title') ?? ''}`),
    );
  });
}

async function panelRemaining(page: Page): Promise<number | null> {
  return firstInt(await page.getByTestId('key-panel').getByTestId('remaining-rotations').innerText());
}

test('rotating an eligible key sends exactly one RotateKeyOnDemand even on a double click', async ({ page }) => {
  const seen = await demo.connected(page);
  const key = demo.fleet.plainRotatable();
  const before = await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId);
  const remainingBefore = ON_DEMAND_LIMIT - before;
  const panel = await openKeyPanel(page, key.KeyId);
  await expect.poll(() => panelRemaining(page)).toBe(remainingBefore);
  const historyRows = panel.getByTestId('rotation-history-row');
  const historyBefore = await historyRows.count();

  await panel.getByTestId('rotate-now').click();
  const dialog = page.getByTestId('rotate-dialog');
  await expect(dialog).toBeVisible();
  // The confirmation names the key and alias, the count left afterwards, the schedule and billing.
  await expect(dialog).toContainText(key.KeyId);
  await expect(dialog).toContainText(key.Aliases[0].AliasName.replace(/^alias\//, ''));
  await expect(dialog).toHaveText(wholeNumber(remainingBefore - 1));
  await expect(dialog).toContainText(/schedule/i);
  await expect(dialog).toContainText(/bill|charge|cost/i);
  expect(rotationsOf(seen, key), 'RotateKeyOnDemand sent before confirming').toBe(0);

  await page.getByTestId('confirm-rotate').dblclick();
  await expect(dialog).toBeHidden();

  // In progress, then done: the mark shows (panel and row) and goes, history and quota refresh.
  await expect
    .poll(
      async () => ({
        panelMark: await panel.getByTestId('rotation-in-progress').isVisible(),
        rowMark: await rowSaysInProgress(page, key.KeyId),
        rotateNowDisabled: await panel.getByTestId('rotate-now').isDisabled(),
      }),
      { message: 'while the rotation runs' },
    )
    .toEqual({ panelMark: true, rowMark: true, rotateNowDisabled: true });
  await expect(panel.getByTestId('rotation-in-progress')).toBeHidden({ timeout: 90_000 });
  await expect(historyRows).toHaveCount(historyBefore + 1);
  await expect(historyRows.filter({ hasText: /on.?demand/i }).first()).toBeVisible();
  await expect.poll(() => panelRemaining(page)).toBe(remainingBefore - 1);
  await expect
    .poll(async () => firstInt(await keyRow(page, key.KeyId).getByTestId('key-remaining').innerText()))
    .toBe(remainingBefore - 1);

  // The peer saw exactly one: the AWS CLI lists one more ON_DEMAND rotation, not two.
  await expect.poll(() => cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId), { timeout: 60_000 }).toBe(before + 1);
  await page.waitForTimeout(2_000);
  expect(rotationsOf(seen, key), 'RotateKeyOnDemand requests sent by the page').toBe(1);
  expect(await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId)).toBe(before + 1);
  expect(await cliRemaining(demo.creds, 'us-east-1', key.KeyId)).toBe(remainingBefore - 1);
});

test('while a rotation runs, "Rotate now" is disabled with the reason', async ({ page }) => {
  await demo.connected(page);
  const key = demo.fleet.plainRotatable();
  const panel = await openKeyPanel(page, key.KeyId);
  await panel.getByTestId('rotate-now').click();
  await page.getByTestId('confirm-rotate').click();
  await expect(panel.getByTestId('rotation-in-progress')).toBeVisible();
  await expect(panel.getByTestId('rotate-now')).toBeDisabled();
  await expect(panel.getByTestId('rotate-blocked-reason')).toHaveText(/in progress/i);
  await expect(panel.getByTestId('rotation-in-progress')).toBeHidden({ timeout: 90_000 });
  await expect(panel.getByTestId('rotate-now')).toBeEnabled();
});

test('the key with 24 rotations used: one more leaves 0 and disables "Rotate now"', async ({ page }) => {
  const seen = await demo.connected(page);
  const key = demo.fleet.used(24);
  expect(await cliRemaining(demo.creds, 'us-east-1', key.KeyId)).toBe(1);
  const panel = await openKeyPanel(page, key.KeyId);
  await expect.poll(() => panelRemaining(page)).toBe(1);
  await panel.getByTestId('rotate-now').click();
  await expect(page.getByTestId('rotate-dialog')).toHaveText(wholeNumber(0));
  await page.getByTestId('confirm-rotate').click();
  await expect(panel.getByTestId('rotation-in-progress')).toBeHidden({ timeout: 90_000 });
  await expect.poll(() => panelRemaining(page)).toBe(0);
  await expect(panel.getByTestId('rotate-now')).toBeDisabled();
  await expect(panel.getByTestId('rotate-blocked-reason')).toBeVisible();
  await expect
    .poll(async () => firstInt(await keyRow(page, key.KeyId).getByTestId('key-remaining').innerText()))
    .toBe(0);
  await expect.poll(() => cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId)).toBe(ON_DEMAND_LIMIT);
  expect(rotationsOf(seen, key)).toBe(1);
});

test('a rotation behind the console\'s back while the dialog is open is caught right before sending: nothing is sent', async ({ page }) => {
  const seen = await demo.connected(page);
  const key = demo.fleet.used(24);
  const panel = await openKeyPanel(page, key.KeyId);
  await expect.poll(() => panelRemaining(page)).toBe(1);
  await panel.getByTestId('rotate-now').click();
  await expect(page.getByTestId('rotate-dialog')).toBeVisible();
  // While the dialog is open, someone else uses the last rotation.
  await awsCli(demo.creds, 'us-east-1', ['kms', 'rotate-key-on-demand', '--key-id', key.KeyId]);
  await expect.poll(() => cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId), { timeout: 90_000 }).toBe(ON_DEMAND_LIMIT);

  await page.getByTestId('confirm-rotate').click();
  const banner = page.getByTestId('error-banner');
  await expect(banner).toBeVisible();
  // The check re-read the history: the count the dialog showed (24) is now 25.
  await expect(banner).toContainText('Nothing was sent');
  await expect(banner).toContainText('24 used then, 25 now');
  await expect.poll(() => panelRemaining(page)).toBe(0);
  await expect(panel.getByTestId('rotate-now')).toBeDisabled();
  expect(rotationsOf(seen, key), 'the console must not send after the count changed').toBe(0);
  expect(await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId)).toBe(ON_DEMAND_LIMIT);
});

test('a rotation whose response is lost is reconciled from the key state, never sent twice', async ({ page }) => {
  const seen = await demo.connected(page);
  const key = demo.fleet.plainRotatable();
  const before = await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId);
  let delivered: number | null = null;
  await page.route(
    (url) => url.href.startsWith(peerUrl()),
    async (route) => {
      const req = route.request();
      if (delivered === null && req.method() === 'POST' && req.headers()['x-amz-target'] === 'TrentService.RotateKeyOnDemand') {
        // The request reaches KMS and the rotation starts, but the connection drops before the
        // browser sees the answer: the outcome is unknown to the page.
        const response = await route.fetch();
        delivered = response.status();
        await route.abort('connectionreset');
        return;
      }
      await route.continue();
    },
  );
  const panel = await openKeyPanel(page, key.KeyId);
  await panel.getByTestId('rotate-now').click();
  await page.getByTestId('confirm-rotate').click();
  await expect.poll(() => delivered, { message: 'the rotation never reached the peer' }).toBe(200);

  // The page reads the key's rotation state to find out what happened...
  await expect
    .poll(
      () =>
        seen.filter(
          (r) => (r.operation === 'GetKeyRotationStatus' || r.operation === 'ListKeyRotations') && r.body.includes(key.KeyId),
        ).length,
    )
    .toBeGreaterThan(0);
  // ...and ends up showing the rotation that did happen, without sending another.
  await expect.poll(() => panelRemaining(page), { timeout: 90_000 }).toBe(ON_DEMAND_LIMIT - before - 1);
  await expect.poll(() => cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId), { timeout: 90_000 }).toBe(before + 1);
  await page.waitForTimeout(2_000);
  expect(rotationsOf(seen, key), 'RotateKeyOnDemand was re-sent after an ambiguous failure').toBe(1);
  expect(await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId)).toBe(before + 1);
});

test('cancelling the dialog sends nothing, and an open dialog is not a rotation under way', async ({ page }) => {
  const seen = await demo.connected(page);
  const key = demo.fleet.plainRotatable();
  const before = await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId);
  const panel = await openKeyPanel(page, key.KeyId);
  await panel.getByTestId('rotate-now').click();
  await expect(page.getByTestId('rotate-dialog')).toBeVisible();
  // Nothing has been sent: the panel and the row must not say a rotation is in progress.
  await expect(panel.getByTestId('rotation-in-progress')).toHaveCount(0);
  await expect(panel).not.toContainText(/under way|in progress/i);
  await expect(keyRow(page, key.KeyId).getByTestId('key-in-progress')).toHaveCount(0);
  await page.getByTestId('cancel-rotate').click();
  await expect(page.getByTestId('rotate-dialog')).toBeHidden();
  await page.waitForTimeout(1_000);
  expect(countOps(seen, 'RotateKeyOnDemand')).toBe(0);
  expect(await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId)).toBe(before);
});

test('an automatic rotation due within 20 minutes: ConflictException is explained, nothing rotates', async ({ page }) => {
  const seen = await demo.connected(page);
  const key = demo.fleet.autoRotationDueSoon();
  const before = await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId);
  const panel = await openKeyPanel(page, key.KeyId);
  const rotateNow = panel.getByTestId('rotate-now');
  await expect(rotateNow).toBeVisible();
  if (await rotateNow.isEnabled()) {
    // The console lets KMS decide: its ConflictException must be explained.
    await rotateNow.click();
    await page.getByTestId('confirm-rotate').click();
    const banner = page.getByTestId('error-banner');
    await expect(banner).toContainText('ConflictException');
    await expect(banner).toContainText(/automatic rotation|in progress|minutes|later/i);
    expect(rotationsOf(seen, key), 'a ConflictException must not be retried automatically').toBe(1);
  } else {
    // Or the console knows from NextRotationDate and says so up front.
    await expect(panel.getByTestId('rotate-blocked-reason')).toHaveText(/automatic rotation|due|conflict/i);
    expect(rotationsOf(seen, key)).toBe(0);
  }
  await page.waitForTimeout(2_000);
  expect(await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId)).toBe(before);
  // The page keeps working after the error.
  await page.getByTestId('key-panel-close').click();
  await openKeyPanel(page, demo.fleet.plainRotatable().KeyId);
});
