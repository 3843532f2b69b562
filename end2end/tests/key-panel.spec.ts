// Issue 3, item 3: inspect a key. The panel opens and closes, "go to key" by id / ARN / alias
// name / alias ARN, deep links, remaining rotations against the peer, history, and the reason
// for every kind of key that cannot be rotated.
import { expect, Locator, Page, test } from '@playwright/test';
import { FleetKey, label } from './support/fleet';
import { useDemoFleet } from './support/demo';
import { cliKeyIds, cliRemaining, credentialStringsOf, ON_DEMAND_LIMIT, awsCli } from './support/peer';
import {
  connect,
  expectNoneOf,
  firstInt,
  goToKey,
  keyRow,
  openKeyPanel,
  rowIds,
  storageSnapshot,
  waitForInventory,
} from './support/ui';

// A pristine demo fleet for this file; nothing below changes KMS state.
const demo = useDemoFleet('all');

test.describe('the key panel', () => {
  test('opens on a row click with the key metadata; closes by its button and by Escape', async ({ page }) => {
    await demo.connected(page);
    const a = demo.fleet.plainRotatable();
    const b = demo.fleet.asymmetric();
    let panel = await openKeyPanel(page, a.KeyId);
    await expect(panel).toContainText(a.KeyId);
    await expect(panel).toContainText(a.Aliases[0].AliasName.replace(/^alias\//, ''));
    await expect(panel).toContainText(/SYMMETRIC_DEFAULT|symmetric/i);
    await expect(panel).toContainText(/customer/i);
    await page.getByTestId('key-panel-close').click();
    await expect(page.getByTestId('key-panel')).toBeHidden();

    panel = await openKeyPanel(page, b.KeyId);
    await expect(panel).toContainText(b.Metadata!.KeySpec);
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('key-panel')).toBeHidden();
  });

  test('clicking another row while the panel is open opens that key (or closes the panel first)', async ({ page }) => {
    await demo.connected(page);
    const a = demo.fleet.plainRotatable();
    const b = demo.fleet.used(24);
    await openKeyPanel(page, a.KeyId);
    const box = await keyRow(page, b.KeyId).boundingBox();
    expect(box, 'row B has no box').not.toBeNull();
    // A real click where row B is on screen, whatever lies on top of it.
    await page.mouse.click(box!.x + 12, box!.y + box!.height / 2);
    const panel = page.getByTestId('key-panel');
    await expect
      .poll(async () => ((await panel.isVisible()) ? await panel.getAttribute('data-key-id') : 'closed'), {
        message: 'after clicking row B the panel must show B or be closed',
      })
      .toMatch(new RegExp(`^(${b.KeyId}|closed)$`));
    if (!(await panel.isVisible())) await openKeyPanel(page, b.KeyId);
    await expect(panel).toHaveAttribute('data-key-id', b.KeyId);
  });

  test('shows the rotation history and the remaining count as a number and a meter', async ({ page }) => {
    await demo.connected(page);
    const key = demo.fleet.used(24);
    const panel = await openKeyPanel(page, key.KeyId);
    const remaining = await cliRemaining(demo.creds, 'us-east-1', key.KeyId);
    expect(remaining).toBe(1);
    await expect.poll(async () => firstInt(await panel.getByTestId('remaining-rotations').innerText())).toBe(1);
    const meter = panel.getByRole('meter').or(panel.getByRole('progressbar')).or(panel.locator('meter')).first();
    await expect(meter, 'no meter for the remaining rotations').toBeVisible();
    const value = await meter.evaluate((el) =>
      el instanceof HTMLMeterElement || el instanceof HTMLProgressElement ? el.value : Number(el.getAttribute('aria-valuenow')),
    );
    expect([remaining, ON_DEMAND_LIMIT - remaining], 'the meter shows neither remaining nor used').toContain(value);

    const history = panel.getByTestId('rotation-history');
    await expect(history).toBeVisible();
    const rows = history.getByTestId('rotation-history-row');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    await expect(rows.first()).toContainText(/on.?demand/i);
    // Every row has a date.
    for (const row of await rows.all()) await expect(row).toContainText(/\d{4}|\d{1,2}:\d{2}/);

    // A key with a short history lists every entry.
    const short = demo.fleet.keys().find((k) => (k.RotationCount ?? 0) > 0 && (k.RotationCount ?? 0) <= 5 && k.Metadata?.KeyState === 'Enabled');
    if (short) {
      await page.getByTestId('key-panel-close').click();
      const p2 = await openKeyPanel(page, short.KeyId);
      await expect(p2.getByTestId('rotation-history-row')).toHaveCount(short.RotationCount!);
    }
  });

  test('remaining counts in rows and panel equal 25 minus the ON_DEMAND rotations the peer lists', async ({ page }) => {
    await demo.connected(page);
    const keys = demo.fleet.all(
      (k) =>
        k.Metadata?.KeyManager === 'CUSTOMER' &&
        k.Metadata?.KeySpec === 'SYMMETRIC_DEFAULT' &&
        k.Metadata?.Origin === 'AWS_KMS' &&
        k.Metadata?.KeyState === 'Enabled' &&
        k.OnDemandCount !== undefined &&
        Object.keys(k.Errors).length === 0,
    );
    expect(keys.length).toBeGreaterThanOrEqual(3);
    const seenValues = new Set<number>();
    for (const key of keys) {
      const expected = await cliRemaining(demo.creds, 'us-east-1', key.KeyId);
      seenValues.add(expected);
      await expect
        .poll(async () => firstInt(await keyRow(page, key.KeyId).getByTestId('key-remaining').innerText()), {
          message: `row "key-remaining" of ${label(key)}`,
        })
        .toBe(expected);
      const panel = await openKeyPanel(page, key.KeyId);
      await expect
        .poll(async () => firstInt(await panel.getByTestId('remaining-rotations').innerText()), {
          message: `panel "remaining-rotations" of ${label(key)}`,
        })
        .toBe(expected);
      await page.getByTestId('key-panel-close').click();
    }
    // The demo fleet covers fresh, nearly used up and used up keys.
    expect([...seenValues]).toEqual(expect.arrayContaining([0, 1, ON_DEMAND_LIMIT]));
  });
});

test.describe('go to key', () => {
  test('opens a key by id, key ARN, alias name and alias ARN; the URL holds region and id only', async ({ page }) => {
    await demo.connected(page);
    const key = demo.fleet.used(24);
    const alias = key.Aliases[0];
    expect(alias.AliasArn, 'ListAliases gave no AliasArn').toBeTruthy();
    for (const input of [key.KeyId, key.KeyArn, alias.AliasName, alias.AliasArn]) {
      const panel = page.getByTestId('key-panel');
      if (await panel.isVisible()) {
        await page.getByTestId('key-panel-close').click();
        await expect(panel).toBeHidden();
      }
      await goToKey(page, input);
      await expect(panel, `"go to key" with ${input}`).toBeVisible();
      await expect(panel).toHaveAttribute('data-key-id', key.KeyId);
      expect(page.url(), 'the URL does not hold the key id').toContain(key.KeyId);
      expect(page.url(), 'the URL does not hold the region').toContain('us-east-1');
      expectNoneOf(page.url(), credentialStringsOf(demo.creds), 'the URL');
    }
  });

  test('a key ARN of another region switches to that region', async ({ page }) => {
    await demo.connected(page);
    const replica = demo.fleet.replica();
    await goToKey(page, replica.KeyArn);
    const panel = page.getByTestId('key-panel');
    await expect(panel).toBeVisible();
    await expect(panel).toHaveAttribute('data-key-id', replica.KeyId);
    await expect(panel).toContainText(/replica/i);
    await expect.poll(() => page.url()).toContain('us-west-2');
    await waitForInventory(page, await cliKeyIds(demo.creds, 'us-west-2'));
  });

  test('reloading the URL reopens the key after connecting; so does the link in a new tab', async ({ page, context }) => {
    await demo.connected(page);
    const key = demo.fleet.used(24);
    await openKeyPanel(page, key.KeyId);
    await expect.poll(() => page.url()).toContain(key.KeyId);
    const link = page.url();
    expect(link).toContain('us-east-1');
    expectNoneOf(link, credentialStringsOf(demo.creds), 'the URL');

    await page.reload();
    await expect(page.getByTestId('credentials-paste')).toBeVisible({ timeout: 60_000 });
    await connect(page, demo.creds, { goto: false });
    await expect(page.getByTestId('key-panel')).toBeVisible();
    await expect(page.getByTestId('key-panel')).toHaveAttribute('data-key-id', key.KeyId);

    const tab = await context.newPage();
    await tab.goto(link);
    await connect(tab, demo.creds, { goto: false });
    await expect(tab.getByTestId('key-panel')).toBeVisible();
    await expect(tab.getByTestId('key-panel')).toHaveAttribute('data-key-id', key.KeyId);
    const snap = await storageSnapshot(tab);
    for (const [where, text] of Object.entries(snap)) expectNoneOf(text, credentialStringsOf(demo.creds), where);
  });
});

async function expectBlocked(page: Page, key: FleetKey, reason: RegExp): Promise<Locator> {
  const panel = await openKeyPanel(page, key.KeyId);
  await expect(panel.getByTestId('rotate-now'), `"rotate-now" of ${label(key)}`).toBeDisabled();
  const why = panel.getByTestId('rotate-blocked-reason');
  await expect(why, `"rotate-blocked-reason" of ${label(key)}`).toBeVisible();
  await expect(why).toHaveText(reason);
  return panel;
}

test.describe('keys that cannot be rotated show why, with a disabled "Rotate now"', () => {
  const kinds: { kind: string; pick: () => FleetKey; reason: RegExp }[] = [
    { kind: 'asymmetric', pick: () => demo.fleet.asymmetric(), reason: /asymmetric|RSA|ECC|SM2|key spec/i },
    { kind: 'HMAC', pick: () => demo.fleet.hmac(), reason: /HMAC/i },
    { kind: 'imported key waiting for its key material', pick: () => demo.fleet.imported(), reason: /import/i },
    { kind: 'disabled', pick: () => demo.fleet.disabled(), reason: /disabled/i },
    { kind: 'pending deletion', pick: () => demo.fleet.pendingDeletion(), reason: /deletion/i },
    { kind: 'AWS managed', pick: () => demo.fleet.awsManaged(), reason: /aws[- ]managed/i },
    {
      kind: 'no on-demand rotations left (25 used)',
      pick: () => demo.fleet.used(25),
      reason: /no (on-demand )?rotations (left|remain)|\b0\b|limit|quota|all 25|used up/i,
    },
    { kind: 'custom key store', pick: () => demo.fleet.customKeyStore(), reason: /custom key store|CloudHSM/i },
  ];
  for (const k of kinds) {
    test(k.kind, async ({ page }) => {
      await demo.connected(page);
      const key = k.pick();
      const panel = await expectBlocked(page, key, k.reason);
      if (k.kind.startsWith('no on-demand')) {
        await expect.poll(async () => firstInt(await panel.getByTestId('remaining-rotations').innerText())).toBe(0);
      }
    });
  }

  test('a multi-Region replica names its primary region and links to it', async ({ page }) => {
    const replica = demo.fleet.replica();
    const primaryRegion = replica.Metadata!.PrimaryRegion!;
    expect(primaryRegion).toBe('us-east-1');
    await connect(page, demo.creds, { region: 'us-west-2' });
    await waitForInventory(page, await cliKeyIds(demo.creds, 'us-west-2'));
    const panel = await expectBlocked(page, replica, /primary/i);
    await expect(panel.getByTestId('rotate-blocked-reason')).toContainText(primaryRegion);
    const link = panel
      .getByRole('link', { name: /primary|us-east-1/i })
      .or(panel.getByRole('button', { name: /primary|us-east-1/i }))
      .first();
    await expect(link, 'no link to the primary key').toBeVisible();
    await link.click();
    await waitForInventory(page, await cliKeyIds(demo.creds, 'us-east-1'));
    const primaryId = replica.Metadata!.PrimaryArn!.split('/').pop()!;
    await expect(page.getByTestId('key-panel')).toHaveAttribute('data-key-id', primaryId);
    await expect(page.getByTestId('rotate-now')).toBeEnabled();
    expect(page.url()).toContain('us-east-1');
    expect(await rowIds(page)).toContain(demo.fleet.mrkPrimary().KeyId);
  });

  test('an imported key with new key material pending can be rotated', async ({ page }) => {
    await demo.connected(page);
    const key = demo.fleet.importedPending();
    const panel = await openKeyPanel(page, key.KeyId);
    await expect(panel.getByTestId('rotate-now')).toBeEnabled();
    await expect(panel.getByTestId('rotate-blocked-reason')).toBeHidden();
  });

  test('the multi-Region primary itself can be rotated', async ({ page }) => {
    await demo.connected(page);
    const primary = demo.fleet.mrkPrimary();
    const status = await awsCli(demo.creds, 'us-east-1', ['kms', 'describe-key', '--key-id', primary.KeyId]);
    expect(status.KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType).toBe('PRIMARY');
    const panel = await openKeyPanel(page, primary.KeyId);
    await expect(panel.getByTestId('rotate-now')).toBeEnabled();
    await expect(panel.getByTestId('rotate-blocked-reason')).toBeHidden();
  });
});

test.describe('key material', () => {
  interface CliMaterial {
    KeyMaterialId: string;
    KeyMaterialState?: string;
    ImportState?: string;
  }

  /** `aws kms list-key-rotations --include-key-material ALL_KEY_MATERIAL` (every page). */
  async function cliMaterials(keyId: string): Promise<CliMaterial[]> {
    const out = await awsCli(demo.creds, 'us-east-1', ['kms', 'list-key-rotations', '--key-id', keyId, '--include-key-material', 'ALL_KEY_MATERIAL']);
    return out.Rotations as CliMaterial[];
  }

  /** Every "key-material-row" on every page of the table, first page first. */
  async function shownMaterials(panel: Locator): Promise<{ id: string; state: string; current: boolean; text: string }[]> {
    const table = panel.getByTestId('key-material-table');
    await expect(table).toBeVisible();
    const read = () =>
      table.getByTestId('key-material-row').evaluateAll((rows) =>
        rows.map((r) => ({
          id: r.getAttribute('data-material-id') ?? '',
          state: r.getAttribute('data-state') ?? '',
          current: r.getAttribute('data-current') === 'true',
          text: (r.textContent ?? '').replace(/\s+/g, ' ').trim(),
        })),
      );
    const out = await read();
    const older = panel.getByTestId('material-older');
    for (let turned = 0; turned < 20 && (await older.count()) > 0 && (await older.isEnabled()); turned += 1) {
      const first = out.length ? (await read())[0]?.id : '';
      await older.click();
      await expect.poll(async () => (await read())[0]?.id, { message: '"material-older" did not turn the page' }).not.toBe(first);
      out.push(...(await read()));
    }
    return out;
  }

  test('the table lists every material KMS lists, on every page, the current one first and marked', async ({ page }) => {
    await demo.connected(page);
    const key = demo.fleet.used(24);
    const panel = await openKeyPanel(page, key.KeyId);
    // The id is shown shortened, and kept whole in the row and in its title.
    const first = panel.getByTestId('key-material-row').first();
    await expect(first).toBeVisible();
    const firstId = (await first.getAttribute('data-material-id')) ?? '';
    expect(firstId).toMatch(/^[0-9a-f]{64}$/);
    await expect(first.locator('code')).toHaveAttribute('title', firstId);
    const shown = await shownMaterials(panel);
    const cli = await cliMaterials(key.KeyId);
    expect(cli.length, 'the key has 24 rotations and its first material').toBe(25);
    expect(Object.fromEntries(shown.map((m) => [m.id, m.state]))).toEqual(Object.fromEntries(cli.map((m) => [m.KeyMaterialId, m.KeyMaterialState ?? ''])));
    expect(shown).toHaveLength(cli.length);
    const current = cli.find((m) => m.KeyMaterialState === 'CURRENT')!;
    expect(shown[0].id, 'the current material comes first').toBe(current.KeyMaterialId);
    expect(shown.filter((m) => m.current).map((m) => m.id)).toEqual([current.KeyMaterialId]);
    expect(shown[0].text).toMatch(/current/);
  });

  test('imported material pending rotation shows its import state', async ({ page }) => {
    await demo.connected(page);
    const key = demo.fleet.importedPending();
    const panel = await openKeyPanel(page, key.KeyId);
    const shown = await shownMaterials(panel);
    const cli = await cliMaterials(key.KeyId);
    expect(Object.fromEntries(shown.map((m) => [m.id, m.state]))).toEqual(Object.fromEntries(cli.map((m) => [m.KeyMaterialId, m.KeyMaterialState ?? ''])));
    const pending = cli.find((m) => m.KeyMaterialState === 'PENDING_ROTATION');
    expect(pending, 'the CLI lists the pending material').toBeTruthy();
    const row = shown.find((m) => m.id === pending!.KeyMaterialId)!;
    expect(row.text).toContain('PENDING_ROTATION');
    if (pending!.ImportState) expect(row.text).toContain(pending!.ImportState);
  });
});
