// Issue 3, item 5: automatic rotation. Period validated (90-2560) before anything is sent, 365 by
// default, saved values read back from the server into panel and row, turning it off.
import { expect, Locator, Page, test } from '@playwright/test';
import { useDemoFleet } from './support/demo';
import { cliRotationStatus } from './support/peer';
import { countOps, keyRow, openKeyPanel, wholeNumber } from './support/ui';

// These tests change rotation settings: start each from the seeded demo fleet.
const demo = useDemoFleet('each');

/** Clicks "save-rotation-settings". */
async function save(panel: Locator): Promise<void> {
  const button = panel.getByTestId('save-rotation-settings');
  await expect(button).toBeVisible();
  await button.click();
}

/** The user is told the period is out of range: invalid field, disabled save or a message. */
async function expectPeriodRejected(page: Page, panel: Locator): Promise<void> {
  await expect
    .poll(async () => {
      const field = panel.getByTestId('rotation-period');
      const invalid = await field.evaluate(
        (el) => !(el as HTMLInputElement).validity.valid || el.getAttribute('aria-invalid') === 'true',
      );
      const saveDisabled = await panel.getByTestId('save-rotation-settings').isDisabled();
      const message = (await panel.innerText()).match(/90\D+2[,.]?560/) !== null;
      return invalid || saveDisabled || message;
    }, { message: 'an out-of-range period is not flagged to the user' })
    .toBe(true);
}

test('the period is validated before sending: 89 and 2561 are rejected, 365 is the default', async ({ page }) => {
  const seen = await demo.connected(page);
  const key = demo.fleet.autoRotationOff();
  const statusBefore = await cliRotationStatus(demo.creds, 'us-east-1', key.KeyId);
  expect(statusBefore.KeyRotationEnabled).toBe(false);
  const panel = await openKeyPanel(page, key.KeyId);
  const toggle = panel.getByTestId('auto-rotation-toggle');
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  const period = panel.getByTestId('rotation-period');
  await expect(period).toHaveValue('365');

  for (const bad of ['89', '2561']) {
    await period.fill(bad);
    const button = panel.getByTestId('save-rotation-settings');
    if (await button.isEnabled()) await button.click();
    await expectPeriodRejected(page, panel);
    expect(countOps(seen, 'EnableKeyRotation'), `EnableKeyRotation sent with period ${bad}`).toBe(0);
  }
  const statusAfter = await cliRotationStatus(demo.creds, 'us-east-1', key.KeyId);
  expect(statusAfter.KeyRotationEnabled).toBe(false);
});

test("saving period 180 turns rotation on; panel and row show the server's values", async ({ page }) => {
  const seen = await demo.connected(page);
  const key = demo.fleet.autoRotationOff();
  const panel = await openKeyPanel(page, key.KeyId);
  await panel.getByTestId('auto-rotation-toggle').check();
  await panel.getByTestId('rotation-period').fill('180');
  await save(panel);

  await expect.poll(() => countOps(seen, 'EnableKeyRotation')).toBe(1);
  const sent = seen.find((r) => r.operation === 'EnableKeyRotation')!;
  const body = JSON.parse(sent.body);
  expect(body.RotationPeriodInDays).toBe(180);
  expect([key.KeyId, key.KeyArn]).toContain(body.KeyId);

  await expect.poll(async () => (await cliRotationStatus(demo.creds, 'us-east-1', key.KeyId)).RotationPeriodInDays).toBe(180);
  const status = await cliRotationStatus(demo.creds, 'us-east-1', key.KeyId);
  expect(status.KeyRotationEnabled).toBe(true);

  // Read back from the server, not echoed from the form: the page asks GetKeyRotationStatus again.
  const enabledAt = sent.time;
  await expect
    .poll(() => seen.filter((r) => r.operation === 'GetKeyRotationStatus' && r.body.includes(key.KeyId) && r.time >= enabledAt).length)
    .toBeGreaterThan(0);
  await expect(panel.getByTestId('auto-rotation-toggle')).toBeChecked();
  await expect(panel.getByTestId('rotation-period')).toHaveValue('180');
  const cell = keyRow(page, key.KeyId).getByTestId('key-auto-rotation');
  await expect(cell).toHaveText(wholeNumber(180));
  await expect(cell).not.toHaveText(/\boff\b/i);

  // Reopening the panel shows the same.
  await page.getByTestId('key-panel-close').click();
  const again = await openKeyPanel(page, key.KeyId);
  await expect(again.getByTestId('auto-rotation-toggle')).toBeChecked();
  await expect(again.getByTestId('rotation-period')).toHaveValue('180');
});

test('automatic rotation can be turned off', async ({ page }) => {
  const seen = await demo.connected(page);
  const key = demo.fleet.autoRotationOn();
  expect((await cliRotationStatus(demo.creds, 'us-east-1', key.KeyId)).KeyRotationEnabled).toBe(true);
  const panel = await openKeyPanel(page, key.KeyId);
  const toggle = panel.getByTestId('auto-rotation-toggle');
  await expect(toggle).toBeChecked();
  await toggle.uncheck();
  const button = panel.getByTestId('save-rotation-settings');
  // Either the toggle saves at once or the save button does it.
  if ((await button.isVisible()) && (await button.isEnabled())) await button.click();
  await expect.poll(() => countOps(seen, 'DisableKeyRotation')).toBe(1);
  await expect.poll(async () => (await cliRotationStatus(demo.creds, 'us-east-1', key.KeyId)).KeyRotationEnabled).toBe(false);
  await expect(toggle).not.toBeChecked();
  await expect(keyRow(page, key.KeyId).getByTestId('key-auto-rotation')).toHaveText(/\boff\b|disabled|not enabled/i);
  expect(countOps(seen, 'EnableKeyRotation')).toBe(0);
});

test('AWS managed keys cannot be changed', async ({ page }) => {
  const seen = await demo.connected(page);
  const panel = await openKeyPanel(page, demo.fleet.awsManaged().KeyId);
  await expect(panel).toContainText(/aws[- ]managed/i);
  const toggle = panel.getByTestId('auto-rotation-toggle');
  if ((await toggle.count()) > 0) await expect(toggle).toBeDisabled();
  const button = panel.getByTestId('save-rotation-settings');
  if ((await button.count()) > 0) await expect(button).toBeDisabled();
  expect(countOps(seen, 'EnableKeyRotation') + countOps(seen, 'DisableKeyRotation')).toBe(0);
});
