// Quality bar: keyboard use (Escape closes the dialog, focus stays in it, rows open from the
// keyboard), labelled controls, and a layout usable at 390 px.
import { expect, Page, test } from '@playwright/test';
import { useDemoFleet } from './support/demo';
import { consoleUrl } from './support/peer';
import { countOps, keyRow, openKeyPanel } from './support/ui';

// A pristine demo fleet for this file; nothing below changes KMS state.
const demo = useDemoFleet('all');

const focusInside = (page: Page, testId: string) =>
  page.evaluate((id) => {
    const container = document.querySelector(`[data-testid="${id}"]`);
    return !!container && !!document.activeElement && container.contains(document.activeElement);
  }, testId);

test('Escape closes the rotate dialog without rotating; the panel stays', async ({ page }) => {
  const seen = await demo.connected(page);
  const panel = await openKeyPanel(page, demo.fleet.plainRotatable().KeyId);
  await panel.getByTestId('rotate-now').click();
  await expect(page.getByTestId('rotate-dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('rotate-dialog')).toBeHidden();
  await expect(page.getByTestId('key-panel')).toBeVisible();
  await page.waitForTimeout(1_000);
  expect(countOps(seen, 'RotateKeyOnDemand')).toBe(0);
});

test('focus moves into the rotate dialog and Tab / Shift+Tab cannot leave it', async ({ page }) => {
  await demo.connected(page);
  const panel = await openKeyPanel(page, demo.fleet.plainRotatable().KeyId);
  await panel.getByTestId('rotate-now').click();
  await expect(page.getByTestId('rotate-dialog')).toBeVisible();
  await expect.poll(() => focusInside(page, 'rotate-dialog'), { message: 'focus did not move into the dialog' }).toBe(true);
  const visited = new Set<string>();
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press(key);
      expect(await focusInside(page, 'rotate-dialog'), `focus left the dialog after ${i + 1} × ${key}`).toBe(true);
      visited.add(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.outerHTML.slice(0, 60) ?? ''));
    }
  }
  // Both the confirm and cancel buttons are reachable by keyboard.
  expect([...visited]).toEqual(expect.arrayContaining(['confirm-rotate', 'cancel-rotate']));
  await page.getByTestId('cancel-rotate').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('rotate-dialog')).toBeHidden();
});

test('a key row opens from the keyboard', async ({ page }) => {
  await demo.connected(page);
  const key = demo.fleet.used(24);
  const row = keyRow(page, key.KeyId);
  const focusable = (await row.getAttribute('tabindex')) !== null
    ? row
    : row.getByRole('button').or(row.getByRole('link')).first();
  await focusable.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('key-panel')).toBeVisible();
  await expect(page.getByTestId('key-panel')).toHaveAttribute('data-key-id', key.KeyId);
});

test('connect controls are labelled', async ({ page }) => {
  await page.goto(consoleUrl() + '/');
  await expect(page.getByTestId('credentials-paste')).toBeVisible({ timeout: 60_000 });
  for (const id of ['credentials-paste', 'region', 'remember-in-tab', 'connect']) {
    await expect(page.getByTestId(id), `"${id}" has no accessible name`).toHaveAccessibleName(/\S/);
  }
});

async function expectNoHorizontalOverflow(page: Page, when: string): Promise<void> {
  const sizes = await page.evaluate(() => ({
    doc: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    viewport: window.innerWidth,
  }));
  expect(sizes.doc, `the page scrolls sideways ${when}`).toBeLessThanOrEqual(sizes.viewport);
  expect(sizes.body, `the body is wider than the viewport ${when}`).toBeLessThanOrEqual(sizes.viewport);
}

test.describe('at 390 px wide', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('connect, inventory and key panel fit without horizontal scrolling', async ({ page }) => {
    await page.goto(consoleUrl() + '/');
    await expect(page.getByTestId('credentials-paste')).toBeVisible({ timeout: 60_000 });
    await expectNoHorizontalOverflow(page, 'on the connect form');
    await demo.connected(page);
    await expectNoHorizontalOverflow(page, 'with the inventory');
    await expect(page.getByTestId('inventory-filter')).toBeInViewport();
    const panel = await openKeyPanel(page, demo.fleet.plainRotatable().KeyId);
    await expectNoHorizontalOverflow(page, 'with a key panel open');
    const box = await panel.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x, 'the panel starts off screen').toBeGreaterThanOrEqual(-1);
    expect(box!.x + box!.width, 'the panel is wider than the screen').toBeLessThanOrEqual(391);
    await panel.getByTestId('rotate-now').scrollIntoViewIfNeeded();
    await expect(panel.getByTestId('rotate-now')).toBeInViewport();
    await panel.getByTestId('rotate-now').click();
    await expect(page.getByTestId('rotate-dialog')).toBeInViewport();
    await expectNoHorizontalOverflow(page, 'with the rotate dialog open');
    await page.getByTestId('cancel-rotate').click();
  });
});
