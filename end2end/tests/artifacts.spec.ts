// Screenshots kept as artifacts of every run (end2end/artifacts/): the loaded inventory of the demo
// fleet, and the panel of the key with 24 on-demand rotations used (history, 1 remaining).
import { expect, test } from '@playwright/test';
import * as path from 'node:path';
import { loadFleet } from './support/fleet';
import { resetPeer } from './support/peer';
import { connect, openKeyPanel, waitForInventory } from './support/ui';

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

test('screenshots of the inventory and of a key panel', async ({ page }) => {
  const creds = await resetPeer();
  const fleet = await loadFleet(creds);
  await connect(page, creds);
  await waitForInventory(page, fleet.ids());
  await page.screenshot({ path: path.join(ARTIFACTS, 'inventory.png'), fullPage: true });

  const key = fleet.used(24);
  const panel = await openKeyPanel(page, key.KeyId);
  await expect(panel.getByTestId('rotation-history-row').first()).toBeVisible();
  await expect(panel.getByTestId('remaining-rotations')).toContainText('1');
  await page.screenshot({ path: path.join(ARTIFACTS, 'key-panel.png'), fullPage: true });
});
