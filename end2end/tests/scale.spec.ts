// Every list past its first page, at the scale users have: the demo fleet plus 1,000 keys
// (`--bulk`), one of them with a rotation history longer than one page of the key panel. The
// 21-key demo fleet once hid a Next button that never worked: these tests page through every
// row and every history entry, and check each key appears exactly once with the values the peer
// reports (read with boto3, the AWS CLI's own library; ids and one key's history with the CLI).
import { expect, Page, test } from '@playwright/test';
import { Fleet, FleetKey, label, loadFleet } from './support/fleet';
import { awsCli, clearPeerRequests, cliKeyIds, ON_DEMAND_LIMIT, peerRequests, resetPeer, StsCredentials } from './support/peer';
import { connect, countOps, firstInt, keyRow, openKeyPanel, rowIdsInOrder, trackAwsRequests, wholeNumber } from './support/ui';

const BULK = 1000;
/** Rows per page of the key panel's history (src/ui/key_panel.rs HISTORY_PAGE). */
const HISTORY_PAGE = 25;

let creds: StsCredentials;
let fleet: Fleet;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  creds = await resetPeer({ bulk: BULK });
  fleet = await loadFleet(creds, ['us-east-1']);
});

test.afterAll(async () => {
  // Back to the plain demo fleet for whatever runs next.
  await resetPeer({ bulk: 0 });
});

const digits = (s: string) => s.replace(/(\d)[,.\u202f\u00a0 ](\d{3})/g, '$1$2');

async function connectAndLoad(page: Page): Promise<void> {
  await connect(page, creds);
  const progress = page.getByTestId('inventory-progress');
  await expect(progress, 'no "inventory-progress" while 1,000+ keys load').toBeVisible();
  await expect(progress).toBeHidden({ timeout: 600_000 });
}

/** What the row must show, from the peer's own answers. */
function expectedRemaining(key: FleetKey): number | null {
  if (key.OnDemandCount === undefined || key.OnDemandCount === null) return null;
  const inProgress = key.RotationStatus?.InProgress ? 1 : 0;
  return Math.max(0, ON_DEMAND_LIMIT - key.OnDemandCount - inProgress);
}

test('1,000+ keys: progress to the total, then Next and Previous through every row, each key exactly once with the values the peer reports', async ({ page }) => {
  test.setTimeout(900_000);
  const ids = await cliKeyIds(creds, 'us-east-1');
  expect(ids.length).toBeGreaterThan(BULK);
  expect(fleet.ids().sort(), 'boto3 and the AWS CLI list the same keys').toEqual(ids);
  const requests = trackAwsRequests(page);
  await connect(page, creds);
  const progress = page.getByTestId('inventory-progress');
  await expect(progress, 'no "inventory-progress" while 1,000+ keys load').toBeVisible();
  // "described 140 of 1,021": the total, with or without a thousands separator.
  await expect.poll(async () => digits(await progress.innerText())).toMatch(wholeNumber(ids.length));
  await expect(progress).toBeHidden({ timeout: 600_000 });
  expect(countOps(requests, 'ListKeys'), 'the inventory did not follow NextMarker').toBeGreaterThanOrEqual(2);
  await expect.poll(async () => digits(await page.getByTestId('inventory-count').innerText())).toMatch(wholeNumber(ids.length));

  const next = page.getByTestId('inventory-next');
  const prev = page.getByTestId('inventory-prev');
  await expect(page.getByTestId('inventory-pager')).toBeVisible();
  await expect(prev).toBeDisabled();
  const seen: string[] = [];
  const pageSizes: number[] = [];
  for (let p = 0; p < 100; p++) {
    const onPage = await rowIdsInOrder(page);
    expect(onPage.length, `page ${p + 1} is empty`).toBeGreaterThan(0);
    pageSizes.push(onPage.length);
    seen.push(...onPage);
    if (await next.isDisabled()) break;
    await next.click();
    // The page changed: its first row is not the previous page's.
    await expect.poll(async () => (await rowIdsInOrder(page))[0]).not.toBe(onPage[0]);
  }
  expect(pageSizes.length, 'Next never left the first page').toBeGreaterThan(10);
  expect(pageSizes.slice(0, -1).every((n) => n === pageSizes[0]), `page sizes ${pageSizes}`).toBe(true);
  expect(new Set(seen).size, 'a key appeared on two pages').toBe(seen.length);
  expect([...seen].sort()).toEqual(ids);

  // Previous goes back one page at a time, to the first.
  const last = await rowIdsInOrder(page);
  await prev.click();
  await expect.poll(async () => (await rowIdsInOrder(page))[0]).not.toBe(last[0]);
  await expect(next).toBeEnabled();

  // The values of every row, against the peer's answers (checked on each page as it is shown).
  await page.getByTestId('inventory-prev').click();
  for (let p = 0; p < 100 && !(await prev.isDisabled()); p++) await prev.click();
  const byId = new Map(fleet.keys().map((k) => [k.KeyId, k]));
  let checked = 0;
  for (let p = 0; p < 100; p++) {
    const cells = await page.getByTestId('key-row').evaluateAll((rows) =>
      rows
        .filter((r) => r.checkVisibility())
        .map((r) => ({
          id: r.getAttribute('data-key-id') ?? '',
          state: r.querySelector('[data-testid="key-state"]')?.textContent ?? '',
          remaining: r.querySelector('[data-testid="key-remaining"]')?.textContent ?? '',
          auto: r.querySelector('[data-testid="key-auto-rotation"]')?.textContent ?? '',
        })),
    );
    for (const c of cells) {
      const key = byId.get(c.id);
      expect(key, `row ${c.id} is not a key of the peer`).toBeTruthy();
      if (!key?.Metadata) continue;
      const norm = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');
      expect(norm(c.state), `state of ${label(key)}`).toBe(norm(key.Metadata.KeyState));
      const remaining = expectedRemaining(key);
      if (remaining !== null && key.Metadata.KeyManager === 'CUSTOMER' && key.Metadata.KeySpec === 'SYMMETRIC_DEFAULT' && key.Metadata.Origin === 'AWS_KMS') {
        expect(firstInt(c.remaining), `remaining of ${label(key)}`).toBe(remaining);
      }
      if (key.RotationStatus && key.Metadata.KeyManager === 'CUSTOMER' && key.Metadata.KeySpec === 'SYMMETRIC_DEFAULT' && key.Metadata.Origin === 'AWS_KMS') {
        if (key.RotationStatus.KeyRotationEnabled) {
          expect(c.auto, `automatic rotation of ${label(key)}`).toMatch(wholeNumber(key.RotationStatus.RotationPeriodInDays ?? 365));
        } else {
          expect(c.auto, `automatic rotation of ${label(key)}`).toMatch(/\boff\b/i);
        }
      }
      checked++;
    }
    if (await next.isDisabled()) break;
    const first = cells[0]?.id;
    await next.click();
    await expect.poll(async () => (await rowIdsInOrder(page))[0]).not.toBe(first);
  }
  expect(checked, 'rows checked against the peer').toBeGreaterThan(BULK);

  // The filter works across pages: a key from the last ListKeys page.
  await page.getByTestId('inventory-filter').fill(`bulk-${String(BULK).padStart(4, '0')}`);
  await expect.poll(async () => (await rowIdsInOrder(page)).length).toBe(1);
  const [id] = await rowIdsInOrder(page);
  expect(ids).toContain(id);
  await expect(keyRow(page, id).getByTestId('key-state')).toHaveText(/enabled/i);
  await expect(keyRow(page, id).getByTestId('key-remaining')).toHaveText(wholeNumber(25));
});

test('the key panel pages through a rotation history longer than one page, Older and Newer', async ({ page }) => {
  test.setTimeout(900_000);
  const longest = fleet
    .keys()
    .filter((k) => (k.RotationCount ?? 0) > 0)
    .sort((a, b) => (b.RotationCount ?? 0) - (a.RotationCount ?? 0))[0];
  expect(longest, 'no key with a rotation history').toBeTruthy();
  const total = longest!.RotationCount ?? 0;
  expect(total, `the longest history (${label(longest!)}) fits one page`).toBeGreaterThan(2 * HISTORY_PAGE);
  // The AWS CLI (which follows ListKeyRotations pages itself) agrees on the count.
  const cli = await awsCli(creds, 'us-east-1', ['kms', 'list-key-rotations', '--key-id', longest!.KeyId]);
  const cliMaterials = (cli.Rotations as { KeyMaterialId?: string }[]).map((r) => r.KeyMaterialId ?? '');
  expect(cliMaterials.length).toBe(total);

  await connectAndLoad(page);
  // It may be on any page of the table: the filter finds it.
  await page.getByTestId('inventory-filter').fill(longest!.KeyId);
  const panel = await openKeyPanel(page, longest!.KeyId);
  const history = panel.getByTestId('rotation-history');
  await expect(history).toBeVisible({ timeout: 60_000 });
  const older = panel.getByTestId('history-older');
  const newer = panel.getByTestId('history-newer');
  await expect(newer).toBeDisabled();
  const materials: string[] = [];
  const sizes: number[] = [];
  for (let p = 0; p < 50; p++) {
    const rows = await panel
      .getByTestId('rotation-history-row')
      .evaluateAll((rs) => rs.map((r) => r.querySelector('td.material')?.getAttribute('title') ?? ''));
    sizes.push(rows.length);
    materials.push(...rows);
    if (await older.isDisabled()) break;
    await older.click();
    await expect.poll(async () => panel.getByTestId('history-page').innerText()).toContain(`page ${p + 2} `);
  }
  expect(sizes.length, 'Older never left the first page').toBe(Math.ceil(total / HISTORY_PAGE));
  expect(sizes.slice(0, -1).every((n) => n === HISTORY_PAGE), `history page sizes ${sizes}`).toBe(true);
  expect(new Set(materials).size, 'a history entry appeared twice').toBe(materials.length);
  expect([...materials].sort()).toEqual([...cliMaterials].sort());
  await newer.click();
  await expect(older).toBeEnabled();
  await expect(panel.getByTestId('history-page')).toContainText(`of ${sizes.length}`);
});

test('the optional "Last use" column reads only the shown page, within GetKeyLastUsage\'s 5 requests per second, and follows Next', async ({ page }) => {
  test.setTimeout(900_000);
  await connectAndLoad(page);
  await expect(page.getByTestId('last-use-cell'), 'the column is off by default').toHaveCount(0);
  await clearPeerRequests();
  const cells = page.getByTestId('last-use-cell');
  const settled = async () => {
    await expect
      .poll(() => cells.evaluateAll((els) => els.filter((e) => e.getAttribute('data-state') === 'loading').length), {
        message: 'some "last-use-cell" still loading',
        timeout: 120_000,
      })
      .toBe(0);
  };
  await page.getByTestId('show-last-use').check();
  const first = await rowIdsInOrder(page);
  await expect(cells).toHaveCount(first.length);
  await settled();
  let asked = await peerRequests({ operation: 'GetKeyLastUsage' });
  expect(new Set(asked.map((r) => r.key_id)), 'GetKeyLastUsage for exactly the shown page').toEqual(new Set(first));
  expect(asked.length, 'a key was asked twice').toBe(first.length);

  // The next page: its keys only, once each.
  await page.getByTestId('inventory-next').click();
  await expect.poll(async () => (await rowIdsInOrder(page))[0]).not.toBe(first[0]);
  const second = await rowIdsInOrder(page);
  await settled();
  asked = await peerRequests({ operation: 'GetKeyLastUsage' });
  expect(new Set(asked.map((r) => r.key_id))).toEqual(new Set([...first, ...second]));
  expect(asked.length).toBe(first.length + second.length);
  // Paced: never more than the quota's 5 in any second, and nothing throttled.
  const at = asked.map((r) => r.at).sort((a, b) => a - b);
  const busiest = Math.max(...at.map((t, i) => at.filter((u, j) => j >= i && u < t + 1).length));
  expect(busiest, 'GetKeyLastUsage requests in the busiest second').toBeLessThanOrEqual(5);
  expect(asked.filter((r) => r.error), 'a GetKeyLastUsage failed').toEqual([]);

  // Each cell says what the AWS CLI reads, for a sample across the page.
  for (const keyId of [second[0], second[Math.floor(second.length / 2)], second[second.length - 1]]) {
    const out = await awsCli(creds, 'us-east-1', ['kms', 'get-key-last-usage', '--key-id', keyId]);
    const expected = out.KeyLastUsage?.Operation ? 'used' : out.KeyCreationDate < out.TrackingStartDate ? 'unknown-before' : 'never';
    await expect(keyRow(page, keyId).getByTestId('last-use-cell')).toHaveAttribute('data-state', expected);
  }

  // Off again: no more reads (the count includes the CLI's three).
  const before = (await peerRequests({ operation: 'GetKeyLastUsage' })).length;
  await page.getByTestId('show-last-use').uncheck();
  await expect(cells).toHaveCount(0);
  await page.getByTestId('inventory-next').click();
  await page.waitForTimeout(2_000);
  expect((await peerRequests({ operation: 'GetKeyLastUsage' })).length).toBe(before);
});
