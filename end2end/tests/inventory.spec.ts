// Issue 3, item 2: the fleet. Every key of the region, aliases and state, progress while loading,
// loading stops on disconnect, text filter and count, quick filters, sorting, AWS managed keys,
// keys the caller may not read.
import { expect, Locator, Page, Route, test } from '@playwright/test';
import { FleetKey, isAwsManaged, isDenied, label } from './support/fleet';
import { useDemoFleet } from './support/demo';
import { cliKeyIds, cliRotationStatus, peerUrl } from './support/peer';
import {
  connect,
  countOps,
  firstInt,
  keyRow,
  rowIds,
  rowIdsInOrder,
  trackAwsRequests,
  waitForInventory,
  wholeNumber,
} from './support/ui';

// A pristine demo fleet for this file; nothing below changes KMS state.
const demo = useDemoFleet('all');

const normalise = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');

/** What a text filter must match: alias, key id or description (case-insensitive). */
function matchesFilter(key: FleetKey, text: string): boolean {
  const hay = [...key.Aliases.map((a) => a.AliasName), key.KeyId, key.Metadata?.Description ?? ''].join('\n').toLowerCase();
  return hay.includes(text.toLowerCase());
}

async function expectShown(page: Page, keys: FleetKey[], what: string): Promise<void> {
  const ids = keys.map((k) => k.KeyId).sort();
  await expect.poll(() => rowIds(page), { message: `rows shown for ${what}` }).toEqual(ids);
  await expect(page.getByTestId('inventory-count')).toHaveText(wholeNumber(ids.length));
}

test('the inventory equals `aws kms list-keys` for the demo fleet', async ({ page }) => {
  const cli = await cliKeyIds(demo.creds, 'us-east-1');
  expect(cli.length, 'the demo fleet is empty').toBeGreaterThan(5);
  await connect(page, demo.creds);
  await waitForInventory(page, cli);
  await expect(page.getByTestId('inventory-count')).toHaveText(wholeNumber(cli.length));
});

test('rows fill in with aliases and key state', async ({ page }) => {
  await demo.connected(page);
  for (const key of demo.fleet.keys()) {
    const row = keyRow(page, key.KeyId);
    if (key.Aliases.length > 0) {
      // A key with several aliases shows at least one of them.
      const names = key.Aliases.map((a) => a.AliasName.replace(/^alias\//, ''));
      await expect
        .poll(async () => {
          const text = await row.getByTestId('key-alias').innerText();
          return names.some((n) => text.includes(n));
        }, { message: `alias of ${label(key)}` })
        .toBe(true);
    }
    if (key.Metadata) {
      await expect
        .poll(async () => normalise(await row.getByTestId('key-state').innerText()), { message: `state of ${label(key)}` })
        .toBe(normalise(key.Metadata.KeyState));
    }
  }
});

test('automatic rotation is shown per key: on with its period and next date, or off', async ({ page }) => {
  await demo.connected(page);
  const on = demo.fleet.autoRotationOn();
  const off = demo.fleet.autoRotationOff();
  const onStatus = await cliRotationStatus(demo.creds, 'us-east-1', on.KeyId);
  expect(onStatus.KeyRotationEnabled).toBe(true);
  const onCell = keyRow(page, on.KeyId).getByTestId('key-auto-rotation');
  await expect(onCell).toHaveText(wholeNumber(onStatus.RotationPeriodInDays ?? 365));
  await expect(onCell).not.toHaveText(/\boff\b/i);
  expect(onStatus.NextRotationDate, 'the peer gave no NextRotationDate').toBeTruthy();
  const nextYear = new Date(Number(onStatus.NextRotationDate) * 1000 || Date.parse(onStatus.NextRotationDate!)).getUTCFullYear();
  await expect(keyRow(page, on.KeyId), 'the next rotation date is not in the row').toContainText(String(nextYear));
  await expect(keyRow(page, off.KeyId).getByTestId('key-auto-rotation')).toHaveText(/\boff\b|disabled|not enabled/i);
});

test('shows progress while loading; rows appear before their details and requests run concurrently', async ({ page }) => {
  const held: Route[] = [];
  let holding = true;
  await page.route(
    (url) => url.href.startsWith(peerUrl()),
    async (route) => {
      const req = route.request();
      if (holding && req.method() === 'POST' && req.headers()['x-amz-target'] === 'TrentService.DescribeKey') {
        held.push(route);
        return;
      }
      await route.continue();
    },
  );
  await connect(page, demo.creds);
  const progress = page.getByTestId('inventory-progress');
  await expect(progress, 'no "inventory-progress" while DescribeKey calls are outstanding').toBeVisible();
  // Rows are listed as soon as ListKeys answers, before any DescribeKey has.
  await expect.poll(() => rowIds(page)).toEqual(demo.fleet.ids());
  // "described N of TOTAL": the total is the number of keys.
  await expect(progress).toHaveText(wholeNumber(demo.fleet.ids().length));
  await expect
    .poll(() => held.length, { message: 'DescribeKey requests are not sent concurrently' })
    .toBeGreaterThanOrEqual(2);
  holding = false;
  for (const route of held.splice(0)) await route.continue().catch(() => undefined);
  await expect(progress).toBeHidden({ timeout: 90_000 });
  for (const key of demo.fleet.keys().filter((k) => k.Metadata)) {
    await expect(keyRow(page, key.KeyId).getByTestId('key-state')).not.toHaveText(/^\s*$/);
  }
});

test('loading stops when the user disconnects', async ({ page }) => {
  const held: Route[] = [];
  await page.route(
    (url) => url.href.startsWith(peerUrl()),
    async (route) => {
      const req = route.request();
      if (req.method() === 'POST' && req.headers()['x-amz-target'] === 'TrentService.DescribeKey') {
        held.push(route);
        return;
      }
      await route.continue();
    },
  );
  const seen = trackAwsRequests(page);
  await connect(page, demo.creds);
  await expect.poll(() => held.length).toBeGreaterThanOrEqual(1);
  await page.getByTestId('disconnect').click();
  await expect(page.getByTestId('credentials-paste')).toBeVisible();
  const sentAtDisconnect = seen.length;
  for (const route of held.splice(0)) await route.continue().catch(() => undefined);
  // Give a still-running loader every chance to send more; none may go out.
  await page.waitForTimeout(3_000);
  const after = seen.slice(sentAtDisconnect).map((r) => r.operation);
  expect(after, 'requests were sent after Disconnect').toEqual([]);
  await expect(page.getByTestId('key-table')).toBeHidden();
  await expect(page.getByTestId('identity')).toBeHidden();
  expect(countOps(seen, 'DescribeKey')).toBeLessThanOrEqual(demo.fleet.ids().length);
});

test('the text filter matches alias, key id and description, and the count follows', async ({ page }) => {
  await demo.connected(page);
  const total = demo.fleet.keys();
  await expect(page.getByTestId('inventory-count')).toHaveText(wholeNumber(total.length));
  const filter = page.getByTestId('inventory-filter');

  const byAlias = demo.fleet.used(24).Aliases[0].AliasName.replace(/^alias\//, '');
  const byId = demo.fleet.plainRotatable().KeyId.slice(0, 13);
  const byDescription = 'onerror';
  for (const text of [byAlias, byId, byDescription]) {
    const expected = total.filter((k) => matchesFilter(k, text));
    expect(expected.length, `filter "${text}" should match something in the demo fleet`).toBeGreaterThan(0);
    expect(expected.length, `filter "${text}" should not match everything`).toBeLessThan(total.length);
    await filter.fill(text);
    await expectShown(page, expected, `filter "${text}"`);
  }
  await filter.fill('no-such-key-anywhere');
  await expectShown(page, [], 'a filter matching nothing');
  await filter.fill('');
  await expectShown(page, total, 'an empty filter');
});

/** A quick filter control, found by role and name (the contract gives them no test id). */
function quickFilter(page: Page, name: RegExp): Locator {
  return page
    .getByRole('checkbox', { name })
    .or(page.getByRole('switch', { name }))
    .or(page.getByRole('button', { name }))
    .or(page.getByRole('radio', { name }))
    .first();
}

async function toggle(control: Locator): Promise<void> {
  const role = await control.evaluate((el) => el.getAttribute('role') ?? (el as HTMLInputElement).type ?? el.tagName);
  if (/checkbox|switch|radio/i.test(role)) await control.setChecked(!(await control.isChecked()));
  else await control.click();
}

test('quick filters: rotatable, automatic rotation off, customer managed, quota low', async ({ page }) => {
  await demo.connected(page);
  const all = demo.fleet.keys();
  const cases: { name: RegExp; mustShow: FleetKey[]; mustHide: FleetKey[] }[] = [
    {
      name: /^\s*rotatable/i,
      mustShow: [demo.fleet.plainRotatable(), demo.fleet.used(24)],
      mustHide: [
        demo.fleet.asymmetric(),
        demo.fleet.hmac(),
        demo.fleet.customKeyStore(),
        demo.fleet.imported(),
        demo.fleet.disabled(),
        demo.fleet.pendingDeletion(),
        demo.fleet.awsManaged(),
        demo.fleet.used(25),
      ],
    },
    {
      name: /automatic rotation off|auto(matic)?[- ]rotation:? off|auto[- ]off/i,
      mustShow: all.filter(
        (k) =>
          k.Metadata?.KeyManager === 'CUSTOMER' &&
          k.Metadata?.KeySpec === 'SYMMETRIC_DEFAULT' &&
          k.Metadata?.Origin === 'AWS_KMS' &&
          k.Metadata?.KeyState === 'Enabled' &&
          k.RotationStatus?.KeyRotationEnabled === false,
      ),
      mustHide: all.filter((k) => k.RotationStatus?.KeyRotationEnabled === true),
    },
    {
      name: /customer[- ]managed/i,
      mustShow: all.filter((k) => k.Metadata?.KeyManager === 'CUSTOMER'),
      mustHide: all.filter(isAwsManaged),
    },
    {
      name: /quota low|low quota|few rotations left|low remaining/i,
      mustShow: [demo.fleet.used(24), demo.fleet.used(25)],
      mustHide: all.filter((k) => k.OnDemandCount === 0 && !isDenied(k)),
    },
  ];
  for (const c of cases) {
    expect(c.mustShow.length, `${c.name}: the fleet has keys it must show`).toBeGreaterThan(0);
    expect(c.mustHide.length, `${c.name}: the fleet has keys it must hide`).toBeGreaterThan(0);
    const control = quickFilter(page, c.name);
    await expect(control, `no quick filter control named ${c.name}`).toBeVisible();
    await toggle(control);
    await expect
      .poll(async () => {
        const shown = await rowIds(page);
        return {
          missing: c.mustShow.filter((k) => !shown.includes(k.KeyId)).map(label),
          extra: c.mustHide.filter((k) => shown.includes(k.KeyId)).map(label),
        };
      }, { message: `quick filter ${c.name}` })
      .toEqual({ missing: [], extra: [] });
    const shownCount = (await rowIds(page)).length;
    await expect(page.getByTestId('inventory-count')).toHaveText(wholeNumber(shownCount));
    await toggle(control);
    await expectShown(page, all, `${c.name} turned off again`);
  }
});

function columnHeader(page: Page, name: RegExp): Locator {
  return page.getByRole('columnheader', { name }).first();
}

async function clickSort(header: Locator): Promise<void> {
  const button = header.getByRole('button');
  if ((await button.count()) > 0) await button.first().click();
  else await header.click();
}

type Dir = 'asc' | 'desc' | 'unsorted';
function direction(values: string[], cmp: (a: string, b: string) => number): Dir {
  let asc = true;
  let desc = true;
  for (let i = 1; i < values.length; i++) {
    const c = cmp(values[i - 1], values[i]);
    if (c > 0) asc = false;
    if (c < 0) desc = false;
  }
  return asc ? 'asc' : desc ? 'desc' : 'unsorted';
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const localeOrder = (a: string, b: string) => a.localeCompare(b);
const numeric = (a: string, b: string) => Number(a) - Number(b);

async function aliasColumn(page: Page): Promise<string[]> {
  const values: string[] = [];
  for (const id of await rowIdsInOrder(page)) {
    if (demo.fleet.byId(id).Aliases.length === 0) continue;
    values.push((await keyRow(page, id).getByTestId('key-alias').innerText()).trim().toLowerCase());
  }
  return values;
}

async function remainingColumn(page: Page): Promise<string[]> {
  const values: string[] = [];
  for (const id of await rowIdsInOrder(page)) {
    const n = firstInt(await keyRow(page, id).getByTestId('key-remaining').innerText());
    if (n !== null) values.push(String(n));
  }
  return values;
}

test('columns sort both ways (alias, remaining rotations)', async ({ page }) => {
  await demo.connected(page);
  const columns: { name: RegExp; read: (p: Page) => Promise<string[]>; cmps: ((a: string, b: string) => number)[] }[] = [
    { name: /alias/i, read: aliasColumn, cmps: [byteOrder, localeOrder] },
    { name: /remaining|on-demand|\bleft\b/i, read: remainingColumn, cmps: [numeric] },
  ];
  for (const col of columns) {
    const header = columnHeader(page, col.name);
    await expect(header, `no sortable column header named ${col.name}`).toBeVisible();
    await clickSort(header);
    const dirOf = async () => {
      const values = await col.read(page);
      const dirs = col.cmps.map((cmp) => direction(values, cmp));
      return dirs.includes('asc') ? 'asc' : dirs.includes('desc') ? 'desc' : 'unsorted';
    };
    await expect.poll(dirOf, { message: `sorted by ${col.name}` }).not.toBe('unsorted');
    const first = await dirOf();
    const values = await col.read(page);
    expect(new Set(values).size, `${col.name}: the fleet needs distinct values to test sorting`).toBeGreaterThan(1);
    await clickSort(header);
    await expect.poll(dirOf, { message: `second click on ${col.name} reverses the order` }).toBe(first === 'asc' ? 'desc' : 'asc');
  }
});

test('AWS managed keys are shown as such, rotated yearly by AWS', async ({ page }) => {
  await demo.connected(page);
  const key = demo.fleet.awsManaged();
  expect(key.Aliases.some((a) => a.AliasName.startsWith('alias/aws/')), `${label(key)} has no alias/aws/* alias`).toBe(true);
  const row = keyRow(page, key.KeyId);
  await expect(row).toContainText(/aws[- ]managed/i);
  await expect(row.getByTestId('key-auto-rotation')).toHaveText(/year|annual|365/i);
  // A customer managed key is not labelled AWS managed.
  await expect(keyRow(page, demo.fleet.plainRotatable().KeyId)).not.toContainText(/aws[- ]managed/i);
});

test('a key the caller may not read stays listed with the reason', async ({ page }) => {
  await demo.connected(page);
  const key = demo.fleet.denied();
  // The peer denies this role kms:GetKeyRotationStatus and kms:ListKeyRotations on this key only.
  expect(Object.keys(key.Errors).sort()).toEqual(['GetKeyRotationStatus', 'ListKeyRotations']);
  const row = keyRow(page, key.KeyId);
  await expect(row).toBeVisible();
  await expect(row).toContainText(/AccessDenied|access denied|not authori[sz]ed|permission/i);
  // What could be read is still shown.
  await expect(row.getByTestId('key-alias')).toContainText(key.Aliases[0].AliasName.replace(/^alias\//, ''));
  await expect(row.getByTestId('key-state')).toHaveText(/enabled/i);
  // The panel names the permission that is missing.
  await row.click();
  await expect(page.getByTestId('key-panel')).toContainText(/kms:(GetKeyRotationStatus|ListKeyRotations)/);
  await page.getByTestId('key-panel-close').click();
  // The rest of the page keeps working: every other row filled in, no page-wide failure.
  await expect(page.getByTestId('inventory-count')).toHaveText(wholeNumber(demo.fleet.keys().length));
  const other = demo.fleet.plainRotatable();
  await expect(keyRow(page, other.KeyId).getByTestId('key-state')).toHaveText(/enabled/i);
});
