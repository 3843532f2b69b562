// Driving the console through its test contract: data-testid names (the bulk ones are listed in
// docs/bulk.md §6 Test ids) and roles only, never CSS classes or visible wording that may change.
import { expect, Locator, Page, Request } from '@playwright/test';
import { consoleUrl, peerUrl, StsCredentials } from './peer';

export type PasteFormat = 'sts-json' | 'export-json' | 'env' | 'ini' | 'fields';

/** The credentials written the way each supported source prints them. */
export function formatCredentials(creds: StsCredentials, format: Exclude<PasteFormat, 'fields'>): string {
  const c = creds.Credentials;
  switch (format) {
    case 'sts-json':
      // As `aws sts assume-role` prints it.
      return JSON.stringify(creds, null, 4);
    case 'export-json':
      // As `aws configure export-credentials` prints it.
      return JSON.stringify(
        {
          Version: 1,
          AccessKeyId: c.AccessKeyId,
          SecretAccessKey: c.SecretAccessKey,
          SessionToken: c.SessionToken,
          Expiration: c.Expiration,
        },
        null,
        2,
      );
    case 'env':
      // As `aws configure export-credentials --format env` prints it.
      return [
        `export AWS_ACCESS_KEY_ID=${c.AccessKeyId}`,
        `export AWS_SECRET_ACCESS_KEY=${c.SecretAccessKey}`,
        `export AWS_SESSION_TOKEN=${c.SessionToken}`,
        `export AWS_CREDENTIAL_EXPIRATION=${c.Expiration}`,
        '',
      ].join('\n');
    case 'ini':
      return [
        '[keyturn-e2e]',
        `aws_access_key_id = ${c.AccessKeyId}`,
        `aws_secret_access_key = ${c.SecretAccessKey}`,
        `aws_session_token = ${c.SessionToken}`,
        '',
      ].join('\n');
  }
}

async function tagName(locator: Locator): Promise<string> {
  return locator.evaluate((el) => el.tagName.toLowerCase());
}

/** Sets the "region" control, whether it is a select or a text input taking a region code. */
export async function setRegion(page: Page, region: string): Promise<void> {
  const control = page.getByTestId('region');
  await expect(control, 'the "region" control is missing').toBeVisible();
  if ((await tagName(control)) === 'select') {
    await control.selectOption(region);
  } else {
    await control.fill(region);
    await control.press('Enter');
    await control.blur();
  }
}

/** Opens the "advanced" disclosure when there is one and the endpoint field is not shown yet. */
export async function openAdvancedIfPresent(page: Page): Promise<void> {
  const endpoint = page.getByTestId('endpoint-url');
  if (await endpoint.isVisible()) return;
  const advanced = page.getByTestId('advanced');
  if ((await advanced.count()) === 0) return;
  if ((await tagName(advanced)) === 'details') {
    await advanced.locator('summary').first().click();
  } else {
    await advanced.click();
  }
  await expect(endpoint, '"endpoint-url" not shown after opening "advanced"').toBeVisible();
}

export interface ConnectOptions {
  format?: PasteFormat;
  region?: string;
  remember?: boolean;
  /** Navigate to the console first (default); false to connect on the page as it is. */
  goto?: boolean;
  /** Wait for "identity" (default); false when the connection is expected to fail. */
  expectIdentity?: boolean;
  /** The endpoint URL to enter (default: the peer, KEYTURN_PEER_URL). */
  endpoint?: string;
  /** An STS endpoint URL to enter ("sts-endpoint-url"); none by default. */
  stsEndpoint?: string;
}

/** Connect as a user would: paste (or type) credentials, pick the region, point at the peer. */
export async function connect(page: Page, creds: StsCredentials, opts: ConnectOptions = {}): Promise<void> {
  const { format = 'sts-json', region = 'us-east-1', remember, goto = true, expectIdentity = true, endpoint = peerUrl(), stsEndpoint } = opts;
  if (goto) await page.goto(consoleUrl() + '/');
  const paste = page.getByTestId('credentials-paste');
  await expect(paste, 'the connect form ("credentials-paste") is not shown').toBeVisible({ timeout: 60_000 });
  if (format === 'fields') {
    await paste.fill('');
    await page.getByTestId('access-key-id').fill(creds.Credentials.AccessKeyId);
    await page.getByTestId('secret-access-key').fill(creds.Credentials.SecretAccessKey);
    await page.getByTestId('session-token').fill(creds.Credentials.SessionToken);
  } else {
    await paste.fill(formatCredentials(creds, format));
  }
  await setRegion(page, region);
  await openAdvancedIfPresent(page);
  await page.getByTestId('endpoint-url').fill(endpoint);
  if (stsEndpoint !== undefined) await page.getByTestId('sts-endpoint-url').fill(stsEndpoint);
  if (remember !== undefined) await page.getByTestId('remember-in-tab').setChecked(remember);
  await page.getByTestId('connect').click();
  if (expectIdentity) {
    await expect(page.getByTestId('identity'), 'not connected: "identity" never appeared').toBeVisible({
      timeout: 60_000,
    });
  }
}

export function keyRow(page: Page, keyId: string): Locator {
  return page.locator(`[data-testid="key-row"][data-key-id="${keyId}"]`);
}

/** The data-key-id of every shown row, in page order. */
export async function rowIdsInOrder(page: Page): Promise<string[]> {
  return page
    .getByTestId('key-row')
    .evaluateAll((rows) =>
      rows
        .filter((r) => r.checkVisibility())
        .map((r) => r.getAttribute('data-key-id') ?? '(missing data-key-id)'),
    );
}

/** The data-key-id of every shown row, sorted. */
export async function rowIds(page: Page): Promise<string[]> {
  return (await rowIdsInOrder(page)).sort();
}

/** Waits until the inventory lists exactly `ids` and has finished loading. */
export async function waitForInventory(page: Page, ids: string[]): Promise<void> {
  await expect(page.getByTestId('key-table')).toBeVisible();
  await expect.poll(() => rowIds(page), { message: 'the inventory rows differ from the keys of the region', timeout: 60_000 }).toEqual(
    [...ids].sort(),
  );
  await expect(page.getByTestId('inventory-progress'), '"inventory-progress" still shown: loading never finished').toBeHidden({
    timeout: 90_000,
  });
}

/** The first integer in a text, or null. */
export function firstInt(text: string | null): number | null {
  const m = (text ?? '').replace(/(\d),(\d{3})/g, '$1$2').match(/\d+/);
  return m ? Number(m[0]) : null;
}

/** A regex matching `n` as a whole number (not part of a longer one). */
export function wholeNumber(n: number): RegExp {
  return new RegExp(`(^|[^\\d,.])${n}(?![\\d,])`);
}

export async function openKeyPanel(page: Page, keyId: string): Promise<Locator> {
  const row = keyRow(page, keyId);
  await expect(row, `no "key-row" for ${keyId}`).toBeVisible();
  await row.click();
  const panel = page.getByTestId('key-panel');
  await expect(panel).toBeVisible();
  await expect(panel).toHaveAttribute('data-key-id', keyId);
  return panel;
}

/** The "go to key" box (no test id in the contract: found by its role and label). */
export function goToKeyBox(page: Page): Locator {
  const name = /go to key/i;
  return page
    .getByRole('textbox', { name })
    .or(page.getByRole('searchbox', { name }))
    .or(page.getByRole('combobox', { name }))
    .first();
}

export async function goToKey(page: Page, text: string): Promise<void> {
  const box = goToKeyBox(page);
  await expect(box, 'no "go to key" box (a textbox labelled "Go to key")').toBeVisible();
  await box.fill(text);
  await box.press('Enter');
}

/** The request log, opening its disclosure if it is collapsed. */
export async function requestLog(page: Page): Promise<Locator> {
  const log = page.getByTestId('request-log');
  if (!(await log.isVisible())) {
    const toggle = page
      .getByRole('button', { name: /request log|requests/i })
      .or(page.getByRole('tab', { name: /request log|requests/i }))
      .first();
    if ((await toggle.count()) > 0) await toggle.click();
    else if ((await log.count()) > 0 && (await tagName(log)) === 'details') await log.locator('summary').first().click();
  }
  await expect(log, '"request-log" is not shown').toBeVisible();
  return log;
}

export interface SeenRequest {
  operation: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  time: number;
}

/** Records every signed AWS request the page sends (KMS by X-Amz-Target, STS by Action). */
export function trackAwsRequests(page: Page): SeenRequest[] {
  const seen: SeenRequest[] = [];
  page.on('request', (request: Request) => {
    if (request.method() !== 'POST') return;
    if (!request.url().startsWith(peerUrl())) return;
    const headers = request.headers();
    const body = request.postData() ?? '';
    const target = headers['x-amz-target'];
    let operation = target ? target.split('.').pop() ?? target : '';
    if (!operation) operation = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1] ?? '(unknown)';
    seen.push({ operation, url: request.url(), body, headers, time: Date.now() });
  });
  return seen;
}

export function countOps(seen: SeenRequest[], operation: string): number {
  return seen.filter((r) => r.operation === operation).length;
}

/** Everything the page keeps in web storage, its URL and cookies, for credential leak checks. */
export async function storageSnapshot(page: Page): Promise<{ local: string; session: string; url: string; cookies: string }> {
  return page.evaluate(() => {
    const dump = (s: Storage) => {
      const out: Record<string, string | null> = {};
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i);
        if (k !== null) out[k] = s.getItem(k);
      }
      return JSON.stringify(out);
    };
    return { local: dump(localStorage), session: dump(sessionStorage), url: location.href, cookies: document.cookie };
  });
}

/**
 * The page's text, every attribute of every element (shadow roots included) and the current
 * value of every form control: where a leaked secret could sit.
 */
export async function pageContents(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts: string[] = [];
    const walk = (root: Document | ShadowRoot) => {
      root.querySelectorAll('*').forEach((el) => {
        for (const attr of Array.from(el.attributes)) parts.push(`${attr.name}=${attr.value}`);
        if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) {
          parts.push(`value=${el.value}`);
        }
        if (el.shadowRoot) walk(el.shadowRoot);
      });
    };
    walk(document);
    parts.push(document.documentElement.outerHTML);
    parts.push(document.body.innerText);
    parts.push(document.title);
    return parts.join('\n');
  });
}

/** Fails naming where a credential string was found. */
export function expectNoneOf(haystack: string, needles: string[], where: string): void {
  for (const needle of needles) {
    expect(haystack.includes(needle), `a credential string (${needle.slice(0, 6)}…) was found in ${where}`).toBe(false);
  }
}

// ---- Scopes (docs/kms.md §5.1 Scopes): the accounts and Regions the console looks at.

export interface ScopeChoice {
  /** The Regions to check in the editor; every other "scope-region" is unchecked. */
  regions: string[];
  /** Lines for "scope-accounts": role ARNs or 12-digit account ids (the connected account is implied). */
  accounts: string[];
  /** "scope-role-name" for bare account ids; left as the console has it when not given. */
  roleName?: string;
  /** "scope-external-id"; emptied when not given. */
  externalId?: string;
}

/** Opens the scope editor ("scopes") unless it is open already. */
export async function openScopeEditor(page: Page): Promise<void> {
  const apply = page.getByTestId('scope-apply');
  if (await apply.isVisible()) return;
  await page.getByTestId('scopes').click();
  await expect(apply, '"scope-apply" not shown after clicking "scopes"').toBeVisible();
}

/** Chooses the scopes in the editor as a user would, then applies them. */
export async function chooseScopes(page: Page, choice: ScopeChoice): Promise<void> {
  await openScopeEditor(page);
  // Read every checkbox at once (one round trip: the page may be busy loading), then click only
  // the ones to change.
  const offered = await page
    .getByTestId('scope-region')
    .evaluateAll((els) => els.map((el) => ({ region: el.getAttribute('data-region') ?? '', checked: (el as HTMLInputElement).checked })));
  for (const region of choice.regions) {
    expect(offered.map((o) => o.region), `the scope editor offers no "scope-region" for ${region}`).toContain(region);
  }
  for (const { region, checked } of offered) {
    const want = choice.regions.includes(region);
    if (checked !== want) await page.locator(`[data-testid="scope-region"][data-region="${region}"]`).setChecked(want);
  }
  await page.getByTestId('scope-accounts').fill(choice.accounts.join('\n'));
  if (choice.roleName !== undefined) await page.getByTestId('scope-role-name').fill(choice.roleName);
  await page.getByTestId('scope-external-id').fill(choice.externalId ?? '');
  await page.getByTestId('scope-apply').click();
}

export interface ScopeStatus {
  account: string;
  region: string;
  state: string;
  text: string;
}

/** Every "scope-status-row", sorted by account then Region. */
export async function scopeStatuses(page: Page): Promise<ScopeStatus[]> {
  const rows = await page.getByTestId('scope-status-row').evaluateAll((els) =>
    els.map((el) => ({
      account: el.getAttribute('data-account') ?? '(missing data-account)',
      region: el.getAttribute('data-region') ?? '(missing data-region)',
      state: el.getAttribute('data-state') ?? '(missing data-state)',
      text: (el.textContent ?? '').replace(/\s+/g, ' ').trim(),
    })),
  );
  return rows.sort((a, b) => `${a.account}/${a.region}`.localeCompare(`${b.account}/${b.region}`));
}

export function scopeStatusRow(page: Page, account: string, region: string): Locator {
  return page.locator(`[data-testid="scope-status-row"][data-account="${account}"][data-region="${region}"]`);
}

/**
 * Waits until the scope list holds exactly these (account, Region) pairs, none of them loading,
 * and returns them with their states.
 */
export async function waitForScopes(page: Page, expected: { account: string; region: string }[], timeout = 90_000): Promise<ScopeStatus[]> {
  const want = expected.map((s) => `${s.account}/${s.region}`).sort();
  await expect
    .poll(async () => (await scopeStatuses(page)).map((s) => `${s.account}/${s.region}`), {
      message: 'the "scope-status-row"s are not the scopes chosen',
      timeout: 30_000,
    })
    .toEqual(want);
  await expect
    .poll(async () => (await scopeStatuses(page)).filter((s) => s.state === 'loading').map((s) => `${s.account}/${s.region}`), {
      message: 'scopes still "loading"',
      timeout,
    })
    .toEqual([]);
  return scopeStatuses(page);
}

/** Every (account, Region) pair of these accounts and Regions. */
export function scopePairs(accounts: string[], regions: string[]): { account: string; region: string }[] {
  return accounts.flatMap((account) => regions.map((region) => ({ account, region })));
}

export interface ShownRow {
  id: string;
  account: string;
  region: string;
  /** "key-account" / "key-region" cell text, or null when the cell is absent. */
  accountCell: string | null;
  regionCell: string | null;
  replicas: string | null;
}

/** Every shown "key-row" of the current table page, in page order. */
export async function shownRows(page: Page): Promise<ShownRow[]> {
  return page.getByTestId('key-row').evaluateAll((rows) =>
    rows
      .filter((r) => r.checkVisibility())
      .map((r) => {
        const cell = (id: string) => {
          const el = r.querySelector(`[data-testid="${id}"]`);
          return el ? (el.textContent ?? '').trim() : null;
        };
        return {
          id: r.getAttribute('data-key-id') ?? '(missing data-key-id)',
          account: r.getAttribute('data-account') ?? '(missing data-account)',
          region: r.getAttribute('data-region') ?? '(missing data-region)',
          accountCell: cell('key-account'),
          regionCell: cell('key-region'),
          replicas: cell('key-replicas'),
        };
      }),
  );
}

/** `account/region/key-id` of every shown row of the current page, sorted. */
export async function shownRowIds(page: Page): Promise<string[]> {
  return (await shownRows(page)).map((r) => `${r.account}/${r.region}/${r.id}`).sort();
}

/**
 * Waits until the table (all on one page: at most 100 rows) lists exactly `ids`
 * (`account/region/key-id`) and loading has finished.
 */
export async function waitForFleetRows(page: Page, ids: string[]): Promise<void> {
  await expect(page.getByTestId('key-table')).toBeVisible();
  await expect
    .poll(() => shownRowIds(page), { message: 'the inventory rows differ from the keys of the scopes', timeout: 60_000 })
    .toEqual([...ids].sort());
  await expect(page.getByTestId('inventory-progress'), '"inventory-progress" still shown: loading never finished').toBeHidden({
    timeout: 90_000,
  });
}

/** The "key-row" of a key in one scope. */
export function scopedKeyRow(page: Page, account: string, region: string, keyId: string): Locator {
  return page.locator(`[data-testid="key-row"][data-key-id="${keyId}"][data-account="${account}"][data-region="${region}"]`);
}
