// The fleet: one console over several accounts and Regions (docs/kms.md §5.1 Scopes). The demo
// organisation (docs/peer.md): A 123456789012 is the connected management account, B and C are
// reached with AssumeRole into OrganizationAccountAccessRole, D's role does not trust A, C may
// not use KMS in eu-west-1 (SCP), and B's keyturn-audit role asks for an external id. What each
// scope holds is read independently with boto3 through the peer after assuming the same roles
// (support/fleet.py --scopes); the rotation is cross-checked with the AWS CLI v1 under B's role.
import { expect, Page, test } from '@playwright/test';
import {
  ACCOUNT_A,
  ACCOUNT_B,
  ACCOUNT_C,
  ACCOUNT_D,
  assumeRole,
  DEFAULT_ROLE_NAME,
  expectedRowIds,
  FleetKey,
  listScopes,
  loadFleet,
  memberRoleArn,
  orgAccounts,
  rowId,
  ScopeListing,
  scopeKeyByAlias,
  scopeSpecs,
  seededFleet,
} from './support/fleet';
import {
  addFault,
  awsCli,
  clearPeerRequests,
  cliOnDemandCount,
  ON_DEMAND_LIMIT,
  peerHealth,
  peerRequests,
  resetPeer,
  StsCredentials,
} from './support/peer';
import {
  chooseScopes,
  connect,
  firstInt,
  openScopeEditor,
  scopePairs,
  scopeStatuses,
  scopeStatusRow,
  scopedKeyRow,
  shownRowIds,
  shownRows,
  waitForFleetRows,
  waitForScopes,
  wholeNumber,
} from './support/ui';

const WEST = 'us-west-2';
const EAST = 'us-east-1';
const REGIONS = [EAST, WEST];

/** Connects to A in us-east-1 and waits until that one scope has loaded. */
async function connectHome(page: Page, creds: StsCredentials): Promise<void> {
  await connect(page, creds, { region: EAST });
  const home = scopeStatusRow(page, ACCOUNT_A, EAST);
  await expect(home, 'no "scope-status-row" for the connected account and Region').toHaveCount(1, { timeout: 30_000 });
  await expect(home).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
}

/** How many separate runs of equal values a sequence has (one per value when grouped). */
function runs(values: string[]): number {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]).length;
}

function statesOf(statuses: { account: string; region: string; state: string }[]): Record<string, string> {
  return Object.fromEntries(statuses.map((s) => [`${s.account}/${s.region}`, s.state]));
}

test.describe('the demo organisation', () => {
  let creds: StsCredentials;
  test.beforeEach(async () => {
    creds = await resetPeer();
  });

  test('six scopes (A, B, C x us-east-1, us-west-2): every key once, with its account and Region; grouped by account', async ({ page }) => {
    const listings = await listScopes(creds, scopeSpecs(REGIONS, [ACCOUNT_B, ACCOUNT_C]));
    expect(listings.filter((l) => l.error), 'boto3 could not read a scope').toEqual([]);
    const expected = expectedRowIds(listings);
    const all = listings.reduce((n, l) => n + l.keys.length, 0);
    // A's and B's multi-Region replicas are hidden behind their primaries.
    expect(all - expected.length, 'replicas hidden behind a listed primary').toBe(2);

    await connectHome(page, creds);
    await openScopeEditor(page);
    await expect(page.locator(`[data-testid="scope-region"][data-region="${EAST}"]`), 'the connected Region is checked').toBeChecked();
    const roleName = page.getByTestId('scope-role-name');
    expect(
      [await roleName.inputValue(), await roleName.getAttribute('placeholder')],
      'the default role name for bare account ids',
    ).toContain(DEFAULT_ROLE_NAME);
    await chooseScopes(page, { regions: REGIONS, accounts: [ACCOUNT_B, ACCOUNT_C] });

    const statuses = await waitForScopes(page, scopePairs([ACCOUNT_A, ACCOUNT_B, ACCOUNT_C], REGIONS));
    expect(statuses.filter((s) => s.state !== 'done'), 'scopes not done').toEqual([]);
    await waitForFleetRows(page, expected);

    const rows = await shownRows(page);
    expect(rows.length, 'a key listed twice').toBe(new Set(rows.map((r) => rowId(r.account, r.region, r.id))).size);
    for (const r of rows) {
      expect({ account: r.accountCell, region: r.regionCell }, `the "key-account"/"key-region" cells of ${r.id}`).toEqual({
        account: r.account,
        region: r.region,
      });
    }
    expect(firstInt(await page.getByTestId('inventory-count').innerText()), '"inventory-count"').toBe(expected.length);

    // Grouped by account: each account's rows together, all of them on the first page.
    await page.getByTestId('group-by').selectOption('account');
    await expect
      .poll(async () => runs((await shownRows(page)).map((r) => r.account)), { message: 'rows of one account apart' })
      .toBe(3);
    expect(await shownRowIds(page), 'grouping changed which rows are on the first page').toEqual(expected);
    // One header per group, right before the group's first row, counting the group's keys.
    type TableLine = { header: boolean; group: string | null; count: number; account: string | null; region: string | null };
    const headers = async (): Promise<TableLine[]> =>
      page.locator('[data-testid="key-table"] tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({
          header: tr.getAttribute('data-testid') === 'group-header',
          group: tr.getAttribute('data-group'),
          count: Number((tr.textContent ?? '').match(/(\d[\d,]*) keys?/)?.[1]?.replace(/,/g, '') ?? NaN),
          account: tr.getAttribute('data-account'),
          region: tr.getAttribute('data-region'),
        })),
      );
    const grouped = (lines: TableLine[], by: 'account' | 'region') => {
      const out: { group: string | null; count: number; rows: number; mixed: boolean }[] = [];
      for (const l of lines) {
        if (l.header) out.push({ group: l.group, count: l.count, rows: 0, mixed: false });
        else if (out.length) {
          const g = out[out.length - 1];
          g.rows += 1;
          g.mixed ||= l[by] !== g.group;
        }
      }
      return out;
    };
    const perGroup = (by: 'account' | 'region') => {
      const n = new Map<string, number>();
      for (const id of expected) {
        const [account, region] = id.split('/');
        const g = by === 'account' ? account : region;
        n.set(g, (n.get(g) ?? 0) + 1);
      }
      return n;
    };
    for (const by of ['account', 'region'] as const) {
      await page.getByTestId('group-by').selectOption(by);
      await expect.poll(async () => grouped(await headers(), by).length, { message: `one header per ${by}` }).toBe(perGroup(by).size);
      const groups = grouped(await headers(), by);
      for (const g of groups) {
        expect(g.mixed, `rows of another ${by} under the header of ${g.group}`).toBe(false);
        expect(g.count, `the header of ${g.group} counts its keys (boto3)`).toBe(perGroup(by).get(g.group ?? ''));
        expect(g.rows, `every key of ${g.group} is under its header on this page`).toBe(g.count);
      }
    }
    await expect.poll(async () => runs((await shownRows(page)).map((r) => r.region)), { message: 'rows of one Region apart' }).toBe(2);
    await page.getByTestId('group-by').selectOption('none');
    await expect(page.getByTestId('group-header'), 'no headers without grouping').toHaveCount(0);
  });

  test('rotating a key of B in us-west-2 runs in B\'s scope: one ON_DEMAND rotation there, nothing elsewhere', async ({ page }) => {
    const specs = scopeSpecs(REGIONS, [ACCOUNT_B, ACCOUNT_C], { rotations: true });
    const before = await listScopes(creds, specs);
    const key = scopeKeyByAlias(before, ACCOUNT_B, WEST, 'alias/workloads-west-cache');
    expect(key.MultiRegionKeyType, 'a single-Region key').toBeNull();
    const bCreds = await assumeRole(creds, memberRoleArn(ACCOUNT_B));
    const cliBefore = await cliOnDemandCount(bCreds, WEST, key.KeyId);
    expect(cliBefore, 'the AWS CLI and boto3 agree').toBe(key.OnDemandCount);

    await connectHome(page, creds);
    await chooseScopes(page, { regions: REGIONS, accounts: [ACCOUNT_B, ACCOUNT_C] });
    const statuses = await waitForScopes(page, scopePairs([ACCOUNT_A, ACCOUNT_B, ACCOUNT_C], REGIONS));
    expect(statuses.filter((s) => s.state !== 'done'), 'scopes not done').toEqual([]);
    await waitForFleetRows(page, expectedRowIds(before));

    const row = scopedKeyRow(page, ACCOUNT_B, WEST, key.KeyId);
    await expect(row).toHaveCount(1);
    await row.click();
    const panel = page.getByTestId('key-panel');
    await expect(panel).toBeVisible();
    await expect(panel).toHaveAttribute('data-key-id', key.KeyId);
    await expect.poll(() => page.url(), { message: 'the URL names the key in its scope' }).toContain(
      `#/keys/${ACCOUNT_B}/${WEST}/${key.KeyId}`,
    );
    const remaining = () => panel.getByTestId('remaining-rotations').innerText().then(firstInt);
    await expect.poll(remaining).toBe(ON_DEMAND_LIMIT - cliBefore);
    const history = panel.getByTestId('rotation-history-row');
    await expect(panel.getByTestId('rotation-history')).toBeVisible();
    const historyBefore = await history.count();

    await panel.getByTestId('rotate-now').click();
    const dialog = page.getByTestId('rotate-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(key.KeyId);
    await page.getByTestId('confirm-rotate').click();
    await expect(dialog).toBeHidden();
    await expect.poll(remaining, { message: 'the panel\'s remaining count after the rotation', timeout: 60_000 }).toBe(
      ON_DEMAND_LIMIT - cliBefore - 1,
    );
    await expect(history).toHaveCount(historyBefore + 1, { timeout: 60_000 });
    await expect(panel.getByTestId('rotation-in-progress')).toBeHidden({ timeout: 60_000 });
    expect(page.url()).toContain(`#/keys/${ACCOUNT_B}/${WEST}/${key.KeyId}`);

    // The AWS CLI under B's role: exactly one new ON_DEMAND entry for the key.
    await expect.poll(() => cliOnDemandCount(bCreds, WEST, key.KeyId), { timeout: 30_000 }).toBe(cliBefore + 1);
    const cli = await awsCli(bCreds, WEST, ['kms', 'list-key-rotations', '--key-id', key.KeyId]);
    expect((cli.Rotations as unknown[]).length, 'list-key-rotations entries').toBe((key.RotationCount ?? 0) + 1);
    // The peer received one RotateKeyOnDemand, signed by B for us-west-2.
    const sent = (await peerRequests({ operation: 'RotateKeyOnDemand' })).map((r) => ({
      account: r.account,
      region: r.region,
      key: r.key_id?.endsWith(key.KeyId) ?? false,
      status: r.status,
    }));
    expect(sent).toEqual([{ account: ACCOUNT_B, region: WEST, key: true, status: 200 }]);

    // Every other key of the six scopes (A's included) has the rotations it had.
    const after = await listScopes(creds, specs);
    const counts = (listings: ScopeListing[]) =>
      Object.fromEntries(listings.flatMap((l) => l.keys.map((k) => [rowId(l.account, l.region, k.KeyId), k.RotationCount ?? k.RotationError])));
    const target = rowId(ACCOUNT_B, WEST, key.KeyId);
    const want = counts(before);
    want[target] = (key.RotationCount ?? 0) + 1;
    expect(counts(after)).toEqual(want);
    await page.waitForTimeout(1_000);
    expect((await peerRequests({ operation: 'RotateKeyOnDemand' })).length, 'RotateKeyOnDemand sent again').toBe(1);
  });

  test('a role that does not trust A and a Region the SCP denies fail on their own scopes only', async ({ page }) => {
    const regions = [EAST, 'eu-west-1'];
    const members = [ACCOUNT_B, ACCOUNT_C, ACCOUNT_D];
    const listings = await listScopes(creds, scopeSpecs(regions, members));
    // What boto3 gets through the same roles: the console must fail exactly where it fails.
    expect(Object.fromEntries(listings.map((l) => [`${l.account}/${l.region}`, l.error]))).toEqual({
      [`${ACCOUNT_A}/${EAST}`]: null,
      [`${ACCOUNT_A}/eu-west-1`]: null,
      [`${ACCOUNT_B}/${EAST}`]: null,
      [`${ACCOUNT_B}/eu-west-1`]: null,
      [`${ACCOUNT_C}/${EAST}`]: null,
      [`${ACCOUNT_C}/eu-west-1`]: 'AccessDeniedException',
      [`${ACCOUNT_D}/${EAST}`]: 'AccessDenied',
      [`${ACCOUNT_D}/eu-west-1`]: 'AccessDenied',
    });

    await connectHome(page, creds);
    await chooseScopes(page, { regions, accounts: members });
    const statuses = await waitForScopes(page, scopePairs([ACCOUNT_A, ...members], regions));
    expect(statesOf(statuses)).toEqual({
      [`${ACCOUNT_A}/${EAST}`]: 'done',
      [`${ACCOUNT_A}/eu-west-1`]: 'done',
      [`${ACCOUNT_B}/${EAST}`]: 'done',
      [`${ACCOUNT_B}/eu-west-1`]: 'done',
      [`${ACCOUNT_C}/${EAST}`]: 'done',
      [`${ACCOUNT_C}/eu-west-1`]: 'failed',
      [`${ACCOUNT_D}/${EAST}`]: 'failed',
      [`${ACCOUNT_D}/eu-west-1`]: 'failed',
    });
    for (const region of regions) await expect(scopeStatusRow(page, ACCOUNT_D, region)).toContainText('AccessDenied');
    await expect(scopeStatusRow(page, ACCOUNT_C, 'eu-west-1')).toContainText('AccessDeniedException');
    await waitForFleetRows(page, expectedRowIds(listings));
    const accounts = new Set((await shownRows(page)).map((r) => r.account));
    expect([...accounts].sort()).toEqual([ACCOUNT_A, ACCOUNT_B, ACCOUNT_C]);
  });

  test('a role that asks for an external id: refused without it, loaded with it', async ({ page }) => {
    const seeded = await seededFleet();
    const audit = seeded.external_id_role;
    expect(audit.arn.split(':')[4]).toBe(ACCOUNT_B);
    const spec = (externalId?: string) => [
      { account: ACCOUNT_A, roleArn: null, regions: REGIONS },
      { account: ACCOUNT_B, roleArn: audit.arn, externalId, regions: REGIONS },
    ];
    const without = await listScopes(creds, spec());
    expect(without.filter((l) => l.account === ACCOUNT_B).map((l) => l.error)).toEqual(['AccessDenied', 'AccessDenied']);
    const withId = await listScopes(creds, spec(audit.external_id));
    expect(withId.filter((l) => l.error), 'boto3 with the external id').toEqual([]);

    await connectHome(page, creds);
    await chooseScopes(page, { regions: REGIONS, accounts: [audit.arn] });
    const first = await waitForScopes(page, scopePairs([ACCOUNT_A, ACCOUNT_B], REGIONS));
    expect(statesOf(first)).toEqual({
      [`${ACCOUNT_A}/${EAST}`]: 'done',
      [`${ACCOUNT_A}/${WEST}`]: 'done',
      [`${ACCOUNT_B}/${EAST}`]: 'failed',
      [`${ACCOUNT_B}/${WEST}`]: 'failed',
    });
    for (const region of REGIONS) await expect(scopeStatusRow(page, ACCOUNT_B, region)).toContainText('AccessDenied');
    await waitForFleetRows(page, expectedRowIds(without));

    // The same role again, now with its external id.
    await chooseScopes(page, { regions: REGIONS, accounts: [audit.arn], externalId: audit.external_id });
    await expect
      .poll(async () => statesOf(await scopeStatuses(page)), {
        message: 'the keyturn-audit scopes after Apply with the external id',
        timeout: 60_000,
      })
      .toEqual({
        [`${ACCOUNT_A}/${EAST}`]: 'done',
        [`${ACCOUNT_A}/${WEST}`]: 'done',
        [`${ACCOUNT_B}/${EAST}`]: 'done',
        [`${ACCOUNT_B}/${WEST}`]: 'done',
      });
    await waitForFleetRows(page, expectedRowIds(withId));
  });

  test('a multi-Region set of B is one row on its primary in us-west-2; with us-east-1 alone the replica is listed', async ({ page }) => {
    const set = (await seededFleet()).multi_region_sets.find((s) => s.account === ACCOUNT_B);
    expect(set, 'the peer seeded no multi-Region set in B').toBeTruthy();
    const { primary, replicas } = set!;
    expect(primary.region).toBe(WEST);
    expect(replicas.map((r) => r.region)).toEqual([EAST]);
    const both = await listScopes(creds, scopeSpecs(REGIONS, [ACCOUNT_B]));
    const mrk = scopeKeyByAlias(both, ACCOUNT_B, WEST, 'alias/workloads-mr-events');
    expect(mrk.KeyId).toBe(primary.key_id);
    expect(scopeKeyByAlias(both, ACCOUNT_B, EAST, 'alias/workloads-mr-events')).toMatchObject({
      KeyId: primary.key_id,
      MultiRegionKeyType: 'REPLICA',
      PrimaryRegion: WEST,
    });
    const rowsOfSet = async () =>
      (await shownRows(page))
        .filter((r) => r.id === primary.key_id)
        .map((r) => ({ account: r.account, region: r.region, replicas: r.replicas }));

    await connectHome(page, creds);
    await chooseScopes(page, { regions: REGIONS, accounts: [ACCOUNT_B] });
    const statuses = await waitForScopes(page, scopePairs([ACCOUNT_A, ACCOUNT_B], REGIONS));
    expect(statuses.filter((s) => s.state !== 'done'), 'scopes not done').toEqual([]);
    await waitForFleetRows(page, expectedRowIds(both));
    const rows = await rowsOfSet();
    expect(rows.map((r) => ({ account: r.account, region: r.region })), `rows of ${primary.key_id}`).toEqual([
      { account: ACCOUNT_B, region: WEST },
    ]);
    expect(rows[0].replicas, '"key-replicas" on the primary').toContain(EAST);

    // B's us-east-1 alone (us-west-2 dropped): the replica is a row of its own.
    await chooseScopes(page, { regions: [EAST], accounts: [ACCOUNT_B] });
    const east = await waitForScopes(page, scopePairs([ACCOUNT_A, ACCOUNT_B], [EAST]));
    expect(east.filter((s) => s.state !== 'done'), 'scopes not done').toEqual([]);
    const eastOnly = await listScopes(creds, scopeSpecs([EAST], [ACCOUNT_B]));
    await waitForFleetRows(page, expectedRowIds(eastOnly));
    expect((await rowsOfSet()).map((r) => ({ account: r.account, region: r.region })), `rows of ${primary.key_id}`).toEqual([
      { account: ACCOUNT_B, region: EAST },
    ]);
  });
});

test.describe('an organisation past one ListAccounts page', () => {
  let creds: StsCredentials;
  test.beforeEach(async () => {
    creds = await resetPeer({ org_extra: 25 });
  });

  test('"List my organization\'s accounts" fills every active account but the connected one; without CORS it says so and keeps the box', async ({ page }) => {
    const org = await orgAccounts(creds);
    expect(org.pages, 'ListAccounts pages boto3 followed').toBeGreaterThanOrEqual(2);
    expect(org.accounts.length).toBe(29);
    const expected = org.accounts.filter((a) => a.Status === 'ACTIVE' && a.Id !== ACCOUNT_A).map((a) => a.Id).sort();
    const seeded = (await seededFleet()).accounts.map((a) => a.id).filter((id) => id !== ACCOUNT_A).sort();
    expect(expected, 'ListAccounts and /_keyturn/fleet agree').toEqual(seeded);

    await connectHome(page, creds);
    await openScopeEditor(page);
    await clearPeerRequests();
    const box = page.getByTestId('scope-accounts');
    const lines = async () =>
      (await box.inputValue())
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l);
    await page.getByTestId('org-list-accounts').click();
    await expect.poll(async () => (await lines()).length, { message: 'account ids in "scope-accounts"' }).toBe(expected.length);
    expect((await lines()).sort()).toEqual(expected);
    const message = page.getByTestId('scope-message');
    await expect(message).toBeVisible();
    await expect(message).toContainText(String(expected.length));
    const listed = await peerRequests({ operation: 'ListAccounts' });
    expect(listed.length, 'ListAccounts requests: the console followed NextToken').toBeGreaterThanOrEqual(2);
    expect(listed.every((r) => r.status === 200 && r.account === ACCOUNT_A)).toBe(true);

    // The user edits the box; then Organizations answers without CORS headers.
    const edited = `${ACCOUNT_B}\n${ACCOUNT_C}`;
    await box.fill(edited);
    await addFault({ operation: 'ListAccounts', fault: 'no-cors', count: 5 });
    await page.getByTestId('org-list-accounts').click();
    await expect(message).toContainText(/could not reach/i);
    await expect(message).toContainText(/Organizations/);
    await expect(page.getByTestId('org-list-accounts')).toBeEnabled();
    await expect(box).toHaveValue(edited);
  });
});

test.describe('at scale', () => {
  const BULK_FLEET = 200;
  let creds: StsCredentials;
  let listings: ScopeListing[];
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    creds = await resetPeer({ bulk_fleet: BULK_FLEET });
    listings = await listScopes(creds, scopeSpecs(REGIONS, [ACCOUNT_B, ACCOUNT_C]));
  });
  test.afterAll(async () => {
    await resetPeer({ bulk_fleet: 0 });
  });

  test('1,200+ keys over six scopes: Next through every page, each (account, Region, key) once, the union equals boto3\'s', async ({ page }) => {
    // About 3,700 signed requests through one serialised peer: most of the time is the load.
    test.setTimeout(300_000);
    expect(listings.filter((l) => l.error), 'boto3 could not read a scope').toEqual([]);
    expect(listings.every((l) => l.keys.length >= BULK_FLEET)).toBe(true);
    const expected = expectedRowIds(listings);
    expect(expected.length).toBeGreaterThan(6 * BULK_FLEET);

    // Chosen once the connected scope has loaded, as a user would after a look at it.
    await connectHome(page, creds);
    await chooseScopes(page, { regions: REGIONS, accounts: [ACCOUNT_B, ACCOUNT_C] });
    const statuses = await waitForScopes(page, scopePairs([ACCOUNT_A, ACCOUNT_B, ACCOUNT_C], REGIONS), 150_000);
    expect(statuses.filter((s) => s.state !== 'done'), 'scopes not done').toEqual([]);
    await expect(page.getByTestId('inventory-progress')).toBeHidden({ timeout: 60_000 });
    await expect.poll(async () => firstInt(await page.getByTestId('inventory-count').innerText()), { message: '"inventory-count"' }).toBe(
      expected.length,
    );

    const next = page.getByTestId('inventory-next');
    await expect(page.getByTestId('inventory-prev')).toBeDisabled();
    const seen: string[] = [];
    const sizes: number[] = [];
    for (let p = 0; p < 50; p++) {
      const onPage = (await shownRows(page)).map((r) => rowId(r.account, r.region, r.id));
      sizes.push(onPage.length);
      seen.push(...onPage);
      if (await next.isDisabled()) break;
      await next.click();
      // The page changed: its first row is not the previous page's.
      await expect
        .poll(async () => {
          const [first] = await shownRows(page);
          return first ? rowId(first.account, first.region, first.id) : '';
        })
        .not.toBe(onPage[0]);
    }
    expect(sizes.length, 'pages walked').toBe(Math.ceil(expected.length / 100));
    expect(sizes.slice(0, -1).every((n) => n === 100), `page sizes ${sizes}`).toBe(true);
    expect(sizes[sizes.length - 1]).toBeGreaterThan(0);
    expect(seen.length - new Set(seen).size, 'rows listed on two pages').toBe(0);
    expect([...seen].sort()).toEqual(expected);
  });
});

// Two behaviours that need time to pass or real throttling, both made short by the peer: role
// sessions that AssumeRole issues for 320 s (`assume_role_seconds`), which the console renews
// 300 s before they expire (src/console/scope.rs REFRESH_BEFORE_SECONDS), and KMS's request
// quotas at a fraction of their rates (`quotas`, `quota_scale`), which the adaptive limiter
// backs off from (docs/kms.md §4.3). The peer's request log is the oracle for both: which session
// signed each request, and how many answers were ThrottlingException.
test.describe('renewal and pacing', () => {
  test.afterAll(async () => {
    // Back to the start-up options (no short sessions, no quotas) for whatever runs next.
    await resetPeer({ assume_role_seconds: 0, quotas: false, bulk: 0 });
  });

  /** Collects uncaught page errors: a panic in the wasm shows up as one. */
  function watchPageErrors(page: Page): string[] {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return errors;
  }

  test('a role session is renewed 300 s before it expires, and B\'s next requests are signed with the new session', async ({ page }) => {
    // Sessions of 320 s: the console renews each about 20 s after it was issued.
    const SESSION_SECONDS = 320;
    const REFRESH_BEFORE_SECONDS = 300;
    const due = SESSION_SECONDS - REFRESH_BEFORE_SECONDS;
    const creds = await resetPeer({ assume_role_seconds: SESSION_SECONDS });
    // A peer older than the option ignores it (and logs no role_arn/issued): say so plainly.
    expect((await peerHealth()).assume_role_seconds, 'the peer does not know assume_role_seconds: restart it').toBe(SESSION_SECONDS);
    // B's keys in us-east-1, read with boto3 (its own AssumeRole), before the log is emptied.
    const listing = await listScopes(creds, scopeSpecs([EAST], [ACCOUNT_B]));
    const key = scopeKeyByAlias(listing, ACCOUNT_B, EAST, 'alias/workloads-orders');
    await clearPeerRequests();
    const errors = watchPageErrors(page);
    const bRole = memberRoleArn(ACCOUNT_B);
    const sessions = async () =>
      (await peerRequests({ operation: 'AssumeRole' })).filter((r) => r.role_arn === bRole && r.status === 200 && r.issued);
    const bKms = async () => (await peerRequests()).filter((r) => r.account === ACCOUNT_B);

    await connectHome(page, creds);
    await chooseScopes(page, { regions: [EAST], accounts: [ACCOUNT_B] });
    const statuses = await waitForScopes(page, scopePairs([ACCOUNT_A, ACCOUNT_B], [EAST]));
    expect(statuses.filter((s) => s.state !== 'done'), 'scopes not done').toEqual([]);
    await waitForFleetRows(page, expectedRowIds(listing));

    const [first, ...more] = await sessions();
    expect(first, 'the console\'s AssumeRole into B').toBeTruthy();
    expect(more, 'B\'s role assumed again before its session was due for renewal').toEqual([]);
    expect(first.account, 'AssumeRole signed with the pasted session (A)').toBe(ACCOUNT_A);
    expect(first.access_key_id).toBe(creds.Credentials.AccessKeyId);
    const firstKey = first.issued!.access_key_id;
    expect(first.issued!.expiration - first.at, 'the session the peer issued lasts 320 s').toBeCloseTo(SESSION_SECONDS, 0);
    const loaded = await bKms();
    expect(loaded.length, 'B\'s scope was read').toBeGreaterThan(0);
    expect(
      loaded.filter((r) => r.access_key_id !== firstKey).map((r) => `${r.operation} ${r.access_key_id}`),
      'B\'s requests before the renewal are signed with the first session',
    ).toEqual([]);

    // The renewal: one more AssumeRole for B's role once the session is within 300 s of expiring
    // (the page checks every second), signed with A's session again.
    await expect
      .poll(async () => (await sessions()).length, {
        message: `no second AssumeRole for ${bRole} (the session expires ${SESSION_SECONDS} s after it was issued; due for renewal after ${due} s)`,
        timeout: (due + 25) * 1000,
        intervals: [500],
      })
      .toBeGreaterThanOrEqual(2);
    const renewal = (await sessions())[1];
    const renewedKey = renewal.issued!.access_key_id;
    expect(renewedKey, 'the renewal issued a new session').not.toBe(firstKey);
    expect(renewal.account).toBe(ACCOUNT_A);
    expect(renewal.access_key_id).toBe(creds.Credentials.AccessKeyId);
    const after = renewal.at - first.at;
    expect(after, 'renewed too early: more than 300 s before the session expires').toBeGreaterThanOrEqual(due - 1);
    expect(after, 'renewed late: the page ticks every second').toBeLessThanOrEqual(due + 8);

    // Requests in B's scope now: the key's panel reads the key, then Reload reads every key of
    // both scopes again (with each scope's current client: no AssumeRole of its own).
    const clicked = Date.now() / 1000;
    await scopedKeyRow(page, ACCOUNT_B, EAST, key.KeyId).click();
    const panel = page.getByTestId('key-panel');
    await expect(panel).toHaveAttribute('data-key-id', key.KeyId);
    await expect(panel.getByTestId('remaining-rotations')).toBeVisible();
    const sent = async () => (await bKms()).filter((r) => r.at >= clicked);
    await expect
      .poll(async () => (await sent()).filter((r) => r.key_id?.endsWith(key.KeyId)).length, {
        message: `no request of B's scope about ${key.KeyId} after the click`,
      })
      .toBeGreaterThan(0);
    await page.getByTestId('inventory-reload').click();
    await expect
      .poll(async () => (await sent()).filter((r) => r.operation === 'ListKeys').length, { message: 'Reload listed B\'s keys again' })
      .toBeGreaterThan(0);
    await expect(page.getByTestId('inventory-progress')).toBeHidden({ timeout: 60_000 });
    await waitForFleetRows(page, expectedRowIds(listing));
    const requests = await sent();
    const bKeys = listing.find((l) => l.account === ACCOUNT_B)!.keys.map((k) => k.KeyId).sort();
    expect(
      [...new Set(requests.filter((r) => r.operation === 'DescribeKey').map((r) => r.key_id ?? ''))].sort(),
      'Reload described every key of B again',
    ).toEqual(bKeys);
    // Every AssumeRole of B's role came a renewal's interval after the one before (none from the
    // panel or Reload), and each request was signed with the newest session issued before it
    // arrived: the renewed one, never the first.
    const issued = await sessions();
    for (let i = 1; i < issued.length; i++) {
      expect(issued[i].at - issued[i - 1].at, `AssumeRole ${i + 1} of ${bRole} came before its session was due`).toBeGreaterThanOrEqual(due - 1);
    }
    const signedBy = (at: number) => issued.filter((s) => s.at < at).pop()!.issued!.access_key_id;
    expect(
      requests.map((r) => ({ operation: r.operation, status: r.status, error: r.error, key: r.access_key_id })),
      `B's requests after the renewal (sessions issued: ${issued.map((s) => s.issued!.access_key_id).join(', ')})`,
    ).toEqual(requests.map((r) => ({ operation: r.operation, status: 200, error: null, key: signedBy(r.at) })));
    expect(requests.filter((r) => r.access_key_id === firstKey).length, 'requests signed with the first session').toBe(0);
    expect(requests.filter((r) => r.access_key_id === renewedKey).length, 'requests signed with the renewed session').toBeGreaterThan(0);

    await expect(page.getByTestId('error-banner')).toBeHidden();
    expect(statesOf(await scopeStatuses(page))).toEqual({ [`${ACCOUNT_A}/${EAST}`]: 'done', [`${ACCOUNT_B}/${EAST}`]: 'done' });
    expect(errors).toEqual([]);
  });

  test('real throttling at 5 % of the quotas: "pacing-status" shows while the limiter backs off, every key loads, then it clears', async ({ page }) => {
    test.setTimeout(120_000);
    // KMS quotas at 5 % (docs/peer.md "Request quotas"): ListKeyRotations 5 per second, with a
    // bucket of 5, while the console starts at 63 per second (0.7 x 90 % of 100): the first
    // burst of ListKeyRotations for A's 21 keys is throttled. The other reads stay under theirs.
    const QUOTA_SCALE = 0.05;
    // What every row must show, read with boto3 after a reset without quotas: a reset seeds the
    // same keys (new ids; the same aliases, descriptions and histories).
    const plain = await loadFleet(await resetPeer({ quotas: false }), [EAST]);
    const byName = new Map<string, FleetKey>();
    for (const k of plain.keys(EAST)) {
      for (const a of k.Aliases) byName.set(a.AliasName, k);
      if (k.Aliases.length === 0) byName.set(k.Metadata?.Description ?? '', k);
    }
    const creds = await resetPeer({ quotas: true, quota_scale: QUOTA_SCALE });
    const errors = watchPageErrors(page);
    // Whether "pacing-status" and "inventory-progress" are on the page, every 100 ms from the
    // first script on (the status is re-read on the page's one-second tick).
    await page.addInitScript(() => {
      const seen: { at: number; pacing: string | null; loading: boolean }[] = [];
      (window as unknown as { __samples: typeof seen }).__samples = seen;
      setInterval(() => {
        const el = document.querySelector('[data-testid="pacing-status"]');
        seen.push({
          at: Date.now(),
          pacing: el ? (el.textContent ?? '').replace(/\s+/g, ' ').trim() : null,
          loading: !!document.querySelector('[data-testid="inventory-progress"]'),
        });
      }, 100);
    });
    const samples = () =>
      page.evaluate(() => (window as unknown as { __samples: { at: number; pacing: string | null; loading: boolean }[] }).__samples);

    await connect(page, creds, { region: EAST });
    await expect(scopeStatusRow(page, ACCOUNT_A, EAST)).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
    await expect(page.getByTestId('inventory-progress'), 'the load never finished').toBeHidden({ timeout: 60_000 });
    await expect.poll(async () => (await shownRows(page)).length, { message: 'rows after the load' }).toBe(plain.keys(EAST).length);

    // The peer really throttled: ThrottlingException from its quotas (no fault), and each
    // throttled read was sent again until it got another answer.
    const log = await peerRequests();
    const throttled = log.filter((r) => r.error === 'ThrottlingException');
    expect(throttled.length, 'ThrottlingException answers from the peer').toBeGreaterThan(0);
    expect(throttled.filter((r) => r.fault !== null), 'throttled by a fault instead of the quotas').toEqual([]);
    const gaveUp = throttled.filter(
      (t) => !log.some((r) => r.at > t.at && r.operation === t.operation && r.key_id === t.key_id && r.error !== 'ThrottlingException'),
    );
    expect(gaveUp.map((r) => `${r.operation} ${r.key_id}`), 'throttled reads never answered otherwise').toEqual([]);

    // "pacing-status" was shown while the inventory was still loading, and counted the
    // throttled answers the peer sent.
    const during = (await samples()).filter((s) => s.pacing !== null && s.loading);
    expect(during.length, '"pacing-status" never shown during the load').toBeGreaterThan(0);
    expect(during[0].pacing).toMatch(/ListKeyRotations/);
    const counted = Math.max(...(await samples()).map((s) => firstInt(s.pacing?.match(/\(([\d,]+) throttled/)?.[1] ?? null) ?? 0));
    expect(counted, '"pacing-status" counts the throttled answers').toBe(throttled.length);

    // Every key's rotation data, as boto3 read it; no problem but the key the role may not read.
    await expect(page.getByTestId('error-banner')).toBeHidden();
    const denied = plain.denied();
    const cells = await page.getByTestId('key-row').evaluateAll((rows) =>
      rows.map((r) => {
        const cell = (id: string) => (r.querySelector(`[data-testid="${id}"]`)?.textContent ?? '').trim();
        return {
          id: r.getAttribute('data-key-id') ?? '',
          alias: cell('key-alias'),
          description: cell('key-description'),
          auto: cell('key-auto-rotation'),
          remaining: cell('key-remaining'),
          problem: r.querySelector('[data-testid="key-problem"]') ? cell('key-problem') : null,
          busy: !!r.querySelector('[aria-label="loading"]'),
        };
      }),
    );
    for (const c of cells) {
      const key = byName.get(c.alias) ?? byName.get(c.description);
      expect(key, `row ${c.id} (${c.alias}) is not a seeded key`).toBeTruthy();
      const what = `${c.alias} (${c.id})`;
      expect({ busy: c.busy, auto: c.auto.includes('\u2026'), remaining: c.remaining.includes('\u2026') }, `${what} still loading`).toEqual({
        busy: false,
        auto: false,
        remaining: false,
      });
      if (key!.Aliases.some((a) => denied.Aliases.some((d) => d.AliasName === a.AliasName))) {
        expect(c.problem, `${what}: the role may not read its rotations`).toMatch(/AccessDenied/);
        continue;
      }
      expect(c.problem, `${what} has a problem`).toBeNull();
      const m = key!.Metadata!;
      if (m.KeyManager !== 'CUSTOMER' || m.KeySpec !== 'SYMMETRIC_DEFAULT' || m.Origin !== 'AWS_KMS') continue;
      if (key!.OnDemandCount !== undefined && m.KeyState !== 'PendingDeletion') {
        expect(firstInt(c.remaining), `remaining rotations of ${what}`).toBe(Math.max(0, ON_DEMAND_LIMIT - key!.OnDemandCount));
      }
      if (key!.RotationStatus?.KeyRotationEnabled) {
        expect(c.auto, `automatic rotation of ${what}`).toMatch(wholeNumber(key!.RotationStatus.RotationPeriodInDays ?? 365));
      } else if (key!.RotationStatus) {
        expect(c.auto, `automatic rotation of ${what}`).toMatch(/\boff\b/i);
      }
    }

    // Once the load has settled, nothing is being throttled any more: the status goes away.
    const settled = Date.now();
    const status = page.getByTestId('pacing-status');
    await expect
      // One round trip that never waits: count() then innerText() could find the status, lose
      // it to the next tick, then wait for it to come back (actionTimeout 20 s > this poll's 15 s).
      .poll(async () => (await status.allInnerTexts())[0] ?? null, {
        message: `"pacing-status" still shown 15 s after the load had finished (the last ThrottlingException was ${Math.round(settled / 1000 - throttled[throttled.length - 1].at)} s before that)`,
        timeout: 15_000,
      })
      .toBeNull();
    expect(errors).toEqual([]);
  });
});
