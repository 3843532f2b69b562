// Compliance (docs/compliance.md): the rotation policy, every key's verdict and reasons, the
// summary, the pictures, the exports and the fixes offered from a finding, over the demo
// organisation's six scopes (A, B, C x us-east-1, us-west-2; docs/peer.md).
//
// The oracle is support/verdicts.py: it reads every scope with the AWS CLI v1 through the peer
// (AssumeRole into B and C as the console does) and applies §3-§4 on its own. Its reads do not
// depend on the policy, so they are made once, while the first test's page loads, and cached;
// each comparison then judges them under its policy at the test's own clock (ages are whole days
// and the demo's dates are not near day boundaries). The exports are checked by
// support/exports.py (RFC 4180 and the §6 columns for the CSV, support/export-schema.json for the
// JSON). The describe "compliance at scale" reads its 1,244 keys with `verdicts.py --boto3` (the
// same reads made with the CLI's botocore in-process, judged by the same code).
import { expect, Locator, Page, test } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { download, parseExport, runPython } from './support/files';
import { ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, assumeRole, memberRoleArn, sessionEnv } from './support/fleet';
import {
  awsCli,
  cliKeyIds,
  cliOnDemandCount,
  cliRotationStatus,
  credentialStringsOf,
  peerRequests,
  peerUrl,
  resetPeer,
  StsCredentials,
} from './support/peer';
import {
  chooseScopes,
  connect,
  expectNoneOf,
  firstInt,
  scopePairs,
  scopeStatusRow,
  scopedKeyRow,
  storageSnapshot,
  waitForInventory,
  waitForScopes,
  wholeNumber,
} from './support/ui';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const REGIONS = [EAST, WEST];
const SIX = scopePairs([ACCOUNT_A, ACCOUNT_B, ACCOUNT_C], REGIONS);
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
const CHARTS = ['chart-compliance', 'chart-timeline', 'chart-material-age', 'chart-remaining'];
const CSV_COLUMNS = [
  'account', 'region', 'key_id', 'key_arn', 'aliases', 'description', 'key_manager', 'key_spec', 'origin', 'key_state',
  'multi_region', 'auto_rotation', 'rotation_period_days', 'next_rotation', 'on_demand_used', 'on_demand_remaining',
  'last_rotation', 'material_age_days', 'verdict', 'reasons',
] as const;

// ---- The oracle (support/verdicts.py)

type Verdict = 'pass' | 'fail' | 'n/a' | 'unknown';

/** docs/compliance.md §2; a field left out is the default, a null limit is no limit. */
interface Policy {
  require_auto?: boolean;
  max_period_days?: number | null;
  max_age_days?: number | null;
  min_remaining?: number | null;
  include_aws_managed?: boolean;
  include_imported?: boolean;
  include_disabled?: boolean;
}

interface OracleKey {
  account: string;
  region: string;
  key_id: string;
  /** False for a multi-Region replica whose primary's scope is loaded (listed on the primary). */
  listed: boolean;
  verdict: Verdict;
  reasons: string[];
  primary_region: string | null;
  key_arn: string | null;
  aliases: string[];
  description: string | null;
  key_manager: string | null;
  key_spec: string | null;
  origin: string | null;
  key_state: string | null;
  multi_region: 'PRIMARY' | 'REPLICA' | null;
  auto_rotation: 'on' | 'off' | null;
  rotation_period_days: number | null;
  next_rotation: string | null;
  on_demand_used: number | null;
  on_demand_remaining: number | null;
  last_rotation: string | null;
  material_age_days: number | null;
  creation_date: string | null;
}

interface Oracle {
  now: number;
  scopes: { account: string; region: string; error: string | null }[];
  keys: OracleKey[];
  /** Over the listed keys. */
  summary: Record<Verdict, number>;
}

/** The six scopes as verdicts.py reads them: A with the test session, B and C by AssumeRole. */
const ORACLE_SPEC = [
  { account: ACCOUNT_A, role_arn: null, regions: REGIONS },
  { account: ACCOUNT_B, role_arn: memberRoleArn(ACCOUNT_B), regions: REGIONS },
  { account: ACCOUNT_C, role_arn: memberRoleArn(ACCOUNT_C), regions: REGIONS },
];


/**
 * verdicts.py under `policy` at `now` (epoch seconds, default now); reads from `cache` when it
 * exists. `boto3`: the reads are made with boto3 (`--boto3`, the CLI's botocore in-process, for
 * 1,000+ keys) instead of the AWS CLI; the output is the same.
 */
async function runOracle(
  creds: StsCredentials,
  policy: Policy,
  cache: string,
  { now = Date.now() / 1000, boto3 = false }: { now?: number; boto3?: boolean } = {},
): Promise<Oracle> {
  const args = [
    '--cache',
    cache,
    ...(boto3 ? ['--boto3'] : []),
    peerUrl(),
    JSON.stringify(ORACLE_SPEC),
    JSON.stringify(policy),
    String(Math.floor(now)),
  ];
  return JSON.parse(await runPython('verdicts.py', args, sessionEnv(creds), 170_000)) as Oracle;
}

const keyOf = (k: { account: string; region: string; key_id: string }): string => `${k.account}/${k.region}/${k.key_id}`;
const nameOf = (k: OracleKey): string => `${k.aliases[0] ?? k.description ?? '(no alias)'} (${keyOf(k)})`;

// ---- The page

/** Connects to A in us-east-1, chooses the six scopes and waits until all are done and loaded. */
async function openFleet(page: Page, creds: StsCredentials): Promise<void> {
  await connect(page, creds, { region: EAST });
  await expect(scopeStatusRow(page, ACCOUNT_A, EAST)).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  await chooseScopes(page, { regions: REGIONS, accounts: [ACCOUNT_B, ACCOUNT_C] });
  const statuses = await waitForScopes(page, SIX, 150_000);
  expect(statuses.filter((s) => s.state !== 'done'), 'scopes not done').toEqual([]);
  await expect(page.getByTestId('inventory-progress'), 'the load never finished').toBeHidden({ timeout: 90_000 });
}

interface VerdictRow {
  key: string;
  verdict: string | null;
  /** The text of each "verdict-reason" element of the "key-verdict" cell, in order. */
  reasons: string[];
  /** The "key-verdict" cell's text, whitespace collapsed; null without the cell. */
  cell: string | null;
}

async function verdictRowsOnPage(page: Page): Promise<VerdictRow[]> {
  return page.getByTestId('key-row').evaluateAll((rows) =>
    rows
      .filter((r) => r.checkVisibility())
      .map((r) => {
        const norm = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();
        const cell = r.querySelector('[data-testid="key-verdict"]');
        return {
          key: `${r.getAttribute('data-account')}/${r.getAttribute('data-region')}/${r.getAttribute('data-key-id')}`,
          verdict: r.getAttribute('data-verdict'),
          reasons: cell ? Array.from(cell.querySelectorAll('[data-testid="verdict-reason"]')).map((e) => norm(e.textContent)) : [],
          cell: cell ? norm(cell.textContent) : null,
        };
      }),
  );
}

async function firstRowKey(page: Page): Promise<string> {
  const [first] = await verdictRowsOnPage(page);
  return first?.key ?? '';
}

/** The rows of every table page (100 rows a page), back on the first page afterwards. */
async function everyPage(page: Page): Promise<VerdictRow[]> {
  const next = page.getByTestId('inventory-next');
  const prev = page.getByTestId('inventory-prev');
  const out = await verdictRowsOnPage(page);
  let turned = 0;
  while (turned < 50 && (await next.count()) > 0 && (await next.isEnabled())) {
    const before = await firstRowKey(page);
    await next.click();
    await expect.poll(() => firstRowKey(page), { message: '"inventory-next" did not change the page' }).not.toBe(before);
    out.push(...(await verdictRowsOnPage(page)));
    turned += 1;
  }
  for (; turned > 0; turned -= 1) {
    const before = await firstRowKey(page);
    await prev.click();
    await expect.poll(() => firstRowKey(page), { message: '"inventory-prev" did not change the page' }).not.toBe(before);
  }
  return out;
}

/** Every page of the table from the current one on, Next after Next (not back again). */
async function pagesForward(page: Page): Promise<VerdictRow[][]> {
  const next = page.getByTestId('inventory-next');
  const pages = [await verdictRowsOnPage(page)];
  while (pages.length < 50 && (await next.count()) > 0 && (await next.isEnabled())) {
    const before = pages[pages.length - 1][0]?.key ?? '';
    await next.click();
    await expect.poll(() => firstRowKey(page), { message: `"inventory-next" did not turn page ${pages.length}` }).not.toBe(before);
    pages.push(await verdictRowsOnPage(page));
  }
  return pages;
}

/** What each listed key must show: its verdict, its reasons in order, the cell holding them joined. */
function expectedRows(oracle: Oracle, where: (k: OracleKey) => boolean = () => true): Record<string, unknown> {
  return Object.fromEntries(
    oracle.keys
      .filter((k) => k.listed && where(k))
      .map((k) => [keyOf(k), { verdict: k.verdict, reasons: k.reasons, cellHoldsReasonsJoined: true }]),
  );
}

function shownRows(rows: VerdictRow[], oracle: Oracle, where: (key: string) => boolean = () => true): Record<string, unknown> {
  const joined = new Map(oracle.keys.map((k) => [keyOf(k), k.reasons.join('; ')]));
  return Object.fromEntries(
    rows
      .filter((r) => where(r.key))
      .map((r) => [
        r.key,
        {
          verdict: r.verdict,
          reasons: r.reasons,
          cellHoldsReasonsJoined: r.cell !== null && joined.has(r.key) && r.cell.includes(joined.get(r.key)!),
        },
      ]),
  );
}

/** Polls until every listed key's row shows the oracle's verdict and reasons. */
async function expectVerdicts(page: Page, oracle: Oracle, what: string): Promise<void> {
  await expect
    .poll(async () => shownRows(await everyPage(page), oracle), {
      message: `${what}: each row's data-verdict and "verdict-reason"s (account/region/key-id) differ from verdicts.py's`,
      timeout: 30_000,
    })
    .toEqual(expectedRows(oracle));
}

async function summaryCounts(page: Page): Promise<Record<Verdict, number | null>> {
  const summary = page.getByTestId('compliance-summary');
  const count = async (id: string) => firstInt(await summary.getByTestId(id).innerText());
  return {
    pass: await count('compliance-pass'),
    fail: await count('compliance-fail'),
    'n/a': await count('compliance-na'),
    unknown: await count('compliance-unknown'),
  };
}

const inventoryCount = async (page: Page) => firstInt(await page.getByTestId('inventory-count').innerText());

/** Sets a policy number field as a user does: type, then leave it (it applies on change). */
async function setPolicyNumber(page: Page, testId: string, value: string): Promise<void> {
  const input = page.getByTestId(testId);
  await input.fill(value);
  await input.press('Tab');
  await expect(input).toHaveValue(value);
}

type CsvRow = Record<(typeof CSV_COLUMNS)[number], string>;

interface JsonExport {
  GeneratedAt: string;
  Policy: Record<string, unknown>;
  Scopes: { Account: string; Region: string; State: string; Error: string | null }[];
  Keys: {
    Account: string;
    Region: string;
    KeyId: string;
    Arn: string | null;
    Aliases: string[];
    Description: string | null;
    KeyManager: string | null;
    KeySpec: string | null;
    Origin: string | null;
    KeyState: string | null;
    CreationDate: string | null;
    MultiRegionKeyType: string | null;
    KeyRotationEnabled: boolean | null;
    RotationPeriodInDays: number | null;
    NextRotationDate: string | null;
    OnDemandRotationsUsed: number | null;
    OnDemandRotationsRemaining: number | null;
    LastRotationDate: string | null;
    MaterialAgeDays: number | null;
    Verdict: string;
    Reasons: string[];
  }[];
}

/** §6: a CSV field that starts like a formula gets a leading '. */
const csvText = (v: string | null | undefined): string => (v == null ? '' : /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
const csvValue = (v: unknown): string => (v == null ? '' : String(v));
const sameInstant = (a: string, b: string): boolean => !!a && !!b && Math.abs(Date.parse(a) - Date.parse(b)) <= 1000;

/**
 * A CSV row as the oracle expects it, and the row as exported with the tolerated differences
 * taken out: dates within a second; for keys the policy does not judge (n/a) and for replicas,
 * the rotation columns may be empty (the console need not read what no rule uses).
 */
function csvComparison(row: CsvRow, k: OracleKey): { got: Record<string, string>; want: Record<string, string> } {
  const judged = k.verdict !== 'n/a' && k.multi_region !== 'REPLICA';
  const want: Record<string, string> = {
    account: k.account,
    region: k.region,
    key_id: k.key_id,
    key_arn: csvValue(k.key_arn),
    aliases: [...k.aliases].sort().join(';'),
    description: csvText(k.description),
    key_manager: csvValue(k.key_manager),
    key_spec: csvValue(k.key_spec),
    origin: csvValue(k.origin),
    key_state: csvValue(k.key_state),
    multi_region: csvValue(k.multi_region),
    auto_rotation: csvValue(k.auto_rotation),
    rotation_period_days: csvValue(k.rotation_period_days),
    next_rotation: csvValue(k.next_rotation),
    on_demand_remaining: csvValue(k.on_demand_remaining),
    last_rotation: csvValue(k.last_rotation),
    material_age_days: csvValue(k.material_age_days),
    verdict: k.verdict,
    reasons: k.reasons.join('; '),
  };
  const got: Record<string, string> = {};
  for (const name of Object.keys(want)) {
    let value = name === 'aliases' ? row.aliases.split(';').filter((a) => a).sort().join(';') : row[name as keyof CsvRow];
    if ((name === 'next_rotation' || name === 'last_rotation') && sameInstant(value, want[name])) value = want[name];
    const rotationColumn = ['auto_rotation', 'rotation_period_days', 'next_rotation', 'on_demand_remaining', 'last_rotation', 'material_age_days'];
    if (!judged && rotationColumn.includes(name) && value === '') value = want[name];
    got[name] = value;
  }
  return { got, want };
}

/** A JSON key in the CSV's terms, to compare the two exports (both are the page's own data). */
function jsonAsCsv(k: JsonExport['Keys'][number]): Record<string, string> {
  return {
    account: k.Account,
    region: k.Region,
    key_id: k.KeyId,
    key_arn: csvValue(k.Arn),
    aliases: [...k.Aliases].sort().join(';'),
    description: csvText(k.Description),
    key_manager: csvValue(k.KeyManager),
    key_spec: csvValue(k.KeySpec),
    origin: csvValue(k.Origin),
    key_state: csvValue(k.KeyState),
    multi_region: csvValue(k.MultiRegionKeyType),
    auto_rotation: k.KeyRotationEnabled == null ? '' : k.KeyRotationEnabled ? 'on' : 'off',
    rotation_period_days: csvValue(k.RotationPeriodInDays),
    next_rotation: csvValue(k.NextRotationDate),
    on_demand_used: csvValue(k.OnDemandRotationsUsed),
    on_demand_remaining: csvValue(k.OnDemandRotationsRemaining),
    last_rotation: csvValue(k.LastRotationDate),
    material_age_days: csvValue(k.MaterialAgeDays),
    verdict: k.Verdict,
    reasons: k.Reasons.join('; '),
  };
}

function csvAsComparable(row: CsvRow, json: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CSV_COLUMNS) {
    let value = name === 'aliases' ? row.aliases.split(';').filter((a) => a).sort().join(';') : row[name];
    if ((name === 'next_rotation' || name === 'last_rotation') && sameInstant(value, json[name])) value = json[name];
    out[name] = value;
  }
  return out;
}

/** Strings that must never be in an export: credentials, signatures, the request log's headers. */
async function forbiddenIn(creds: StsCredentials): Promise<string[]> {
  // The sessions the console itself got from AssumeRole (their access key ids; the peer logs no secret).
  const issued = (await peerRequests({ operation: 'AssumeRole' })).flatMap((r) => (r.issued ? [r.issued.access_key_id] : []));
  return [...credentialStringsOf(creds), ...issued];
}

function expectNoSecrets(text: string, secrets: string[], where: string): void {
  expectNoneOf(text, secrets, where);
  expect(text, `${where} holds the word "Signature"`).not.toContain('Signature');
  for (const word of [/SecretAccessKey/i, /SessionToken/i, /X-Amz-Security-Token/i, /X-Amz-Credential/i, /AKIA[0-9A-Z]{16}/, /ASIA[0-9A-Z]{16}/]) {
    expect(text, `${where} holds ${word}`).not.toMatch(word);
  }
}

async function credsFor(creds: StsCredentials, account: string): Promise<StsCredentials> {
  return account === ACCOUNT_A ? creds : assumeRole(creds, memberRoleArn(account));
}

/** Confirms a fix: "fix-confirm" is the confirming button, or holds it. */
async function confirmFix(page: Page): Promise<void> {
  const confirm = page.getByTestId('fix-confirm');
  await expect(confirm, '"fix-confirm" not shown').toBeVisible();
  const tag = await confirm.evaluate((el) => el.tagName.toLowerCase());
  if (tag === 'button') await confirm.click();
  else await confirm.getByRole('button', { name: /confirm|enable|turn on|yes|apply/i }).first().click();
}

async function chartFacts(chart: Locator) {
  return chart.evaluate((el) => {
    const text = (n: Element | null | undefined) => (n?.textContent ?? '').replace(/\s+/g, ' ').trim();
    const labelledBy = (el.getAttribute('aria-labelledby') ?? '')
      .split(/\s+/)
      .filter((id) => id)
      .map((id) => text(document.getElementById(id)))
      .join(' ')
      .trim();
    const bars = Array.from(el.querySelectorAll('[tabindex="0"]'));
    return {
      tag: el.tagName.toLowerCase(),
      title: text(el.querySelector(':scope > title')),
      label: (el.getAttribute('aria-label') ?? '').trim() || labelledBy,
      focusable: bars.length,
      unnamedBars: bars.filter(
        (b) => !((b.getAttribute('aria-label') ?? '').trim() || text(b.querySelector(':scope > title')) || b.getAttribute('aria-labelledby')),
      ).length,
    };
  });
}

// ---- The tests

test.describe('compliance over six scopes', () => {
  let creds: StsCredentials;
  let cache: string;
  /** The oracle's first run (it reads the fleet); later runs judge its cached reads. */
  let reads: Promise<Oracle>;

  test.beforeAll(async () => {
    creds = await resetPeer();
    cache = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-oracle-')), 'reads.json');
    // ~140 AWS CLI runs (10-40 s on two cores while Chromium loads): started now, awaited once
    // the first page has loaded.
    reads = runOracle(creds, {}, cache);
    reads.catch(() => undefined);
  });

  /** The oracle under `policy`, now. */
  const oracle = async (policy: Policy = {}): Promise<Oracle> => {
    await reads;
    return runOracle(creds, policy, cache);
  };

  test('every listed key\'s verdict and reasons, the summary and "filter-failing" agree with the AWS CLI', async ({ page }) => {
    await openFleet(page, creds);
    const want = await oracle();
    expect(want.scopes.filter((s) => s.error), 'the AWS CLI could not read a scope').toEqual([]);
    const listed = want.keys.filter((k) => k.listed);
    expect(listed.length, 'listed keys').toBeGreaterThan(30);
    expect(want.keys.length - listed.length, 'replicas listed on their primaries (A\'s and B\'s)').toBe(2);
    // The demo holds every kind of verdict.
    for (const v of ['pass', 'fail', 'n/a', 'unknown'] as const) expect(want.summary[v], `oracle ${v} count`).toBeGreaterThan(0);

    await expectVerdicts(page, want, 'default policy');
    await expect.poll(() => summaryCounts(page), { message: '"compliance-summary" counts over the listed keys' }).toEqual(want.summary);
    expect(await inventoryCount(page), '"inventory-count"').toBe(listed.length);

    // Quick filter: exactly the failing listed keys.
    const failing = page.getByTestId('filter-failing');
    await expect(failing).toHaveAttribute('aria-pressed', 'false');
    await failing.click();
    await expect(failing).toHaveAttribute('aria-pressed', 'true');
    await expect.poll(() => inventoryCount(page), { message: '"inventory-count" with "filter-failing"' }).toBe(want.summary.fail);
    const shown = await everyPage(page);
    expect(shown.map((r) => r.key).sort(), 'rows shown by "filter-failing"').toEqual(
      listed.filter((k) => k.verdict === 'fail').map(keyOf).sort(),
    );
    expect(shown.filter((r) => r.verdict !== 'fail').map((r) => r.key), 'rows without data-verdict="fail"').toEqual([]);
    await failing.click();
    await expect(failing).toHaveAttribute('aria-pressed', 'false');
    await expect.poll(() => inventoryCount(page), { message: '"inventory-count" after "filter-failing" is off again' }).toBe(listed.length);
  });

  test('a policy change re-judges every key at once; the policy survives a reload (sessionStorage), credentials do not', async ({ page }) => {
    await openFleet(page, creds);
    await expect(page.getByTestId('policy-require-auto')).toBeChecked();
    await expect(page.getByTestId('policy-max-period')).toHaveValue('365');
    await expect(page.getByTestId('policy-max-age')).toHaveValue('365');
    await expect(page.getByTestId('policy-min-remaining')).toHaveValue('5');

    await page.getByTestId('policy-require-auto').setChecked(false);
    await setPolicyNumber(page, 'policy-max-age', '100');
    await setPolicyNumber(page, 'policy-min-remaining', '3');
    const policy: Policy = { require_auto: false, max_age_days: 100, min_remaining: 3 };
    const want = await oracle(policy);
    await expectVerdicts(page, want, 'require-auto off, max age 100, warn at 3');
    await expect.poll(() => summaryCounts(page), { message: '"compliance-summary" under the changed policy' }).toEqual(want.summary);

    // Kept in the tab (sessionStorage "keyturn.policy"), never with the credentials.
    const stored = await storageSnapshot(page);
    expect(Object.keys(JSON.parse(stored.session)), 'sessionStorage keys').toContain('keyturn.policy');
    expectNoneOf(stored.session, credentialStringsOf(creds), 'sessionStorage');
    expectNoneOf(stored.local, credentialStringsOf(creds), 'localStorage');

    // A reload asks for the credentials again (not remembered), and the policy is as it was.
    await page.reload();
    await connect(page, creds, { region: EAST, goto: false });
    await expect(page.getByTestId('policy-require-auto')).not.toBeChecked();
    await expect(page.getByTestId('policy-max-age')).toHaveValue('100');
    await expect(page.getByTestId('policy-min-remaining')).toHaveValue('3');
    await expect(page.getByTestId('policy-max-period')).toHaveValue('365');
    // And it judges with it: A's us-east-1 keys (their verdicts depend on no other scope).
    await expect(scopeStatusRow(page, ACCOUNT_A, EAST)).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
    await expect(page.getByTestId('inventory-progress')).toBeHidden({ timeout: 90_000 });
    const inHome = (key: string) => key.startsWith(`${ACCOUNT_A}/${EAST}/`);
    await expect
      .poll(async () => shownRows(await everyPage(page), want, inHome), { message: 'A us-east-1 verdicts after the reload', timeout: 30_000 })
      .toEqual(expectedRows(want, (k) => k.account === ACCOUNT_A && k.region === EAST));
  });

  test('exports: the CSV (RFC 4180, §6 columns) and JSON (schema) hold every key of every scope once with the oracle\'s verdicts; the report is self-contained; no credential anywhere', async ({
    page,
  }, testInfo) => {
    await openFleet(page, creds);
    const want = await oracle();
    await expectVerdicts(page, want, 'before the export');
    const byKey = new Map(want.keys.map((k) => [keyOf(k), k]));
    const secrets = await forbiddenIn(creds);

    // CSV
    const csv = await download(page, 'export-csv', testInfo);
    expect(csv.name).toMatch(/^keyturn-inventory-.+\.csv$/);
    const rows = await parseExport<CsvRow[]>('csv', csv.file);
    const rowKeys = rows.map((r) => keyOf(r));
    expect(rowKeys.length - new Set(rowKeys).size, 'keys on two CSV lines').toBe(0);
    expect([...rowKeys].sort(), 'CSV: every key of every scope, replicas included').toEqual([...byKey.keys()].sort());
    const compared = rows.map((r) => csvComparison(r, byKey.get(keyOf(r))!));
    expect(compared.map((c) => c.got), 'CSV lines against verdicts.py').toEqual(compared.map((c) => c.want));
    expectNoSecrets(csv.text, secrets, 'the CSV export');

    // JSON
    const json = await download(page, 'export-json', testInfo);
    expect(json.name).toMatch(/^keyturn-inventory-.+\.json$/);
    const doc = await parseExport<JsonExport>('json', json.file);
    expect(Math.abs(Date.parse(doc.GeneratedAt) - Date.now()), 'GeneratedAt is now').toBeLessThan(10 * 60_000);
    expect(
      doc.Scopes.map((s) => ({ scope: `${s.Account}/${s.Region}`, error: s.Error })).sort((a, b) => a.scope.localeCompare(b.scope)),
      'JSON Scopes',
    ).toEqual(SIX.map((s) => ({ scope: `${s.account}/${s.region}`, error: null })).sort((a, b) => a.scope.localeCompare(b.scope)));
    const jsonByKey = new Map(doc.Keys.map((k) => [`${k.Account}/${k.Region}/${k.KeyId}`, jsonAsCsv(k)]));
    expect(doc.Keys.length, 'JSON Keys, one per key').toBe(jsonByKey.size);
    expect([...jsonByKey.keys()].sort(), 'the JSON and the CSV list the same keys').toEqual([...rowKeys].sort());
    const pairs = rows.map((r) => ({ csv: r, json: jsonByKey.get(keyOf(r))! }));
    expect(pairs.map((p) => csvAsComparable(p.csv, p.json)), 'JSON Keys against the CSV lines').toEqual(pairs.map((p) => p.json));
    for (const k of doc.Keys) {
      if (k.CreationDate) {
        const o = byKey.get(`${k.Account}/${k.Region}/${k.KeyId}`)!;
        expect(sameInstant(k.CreationDate, o.creation_date ?? ''), `CreationDate of ${nameOf(o)}`).toBe(true);
      }
    }
    expectNoSecrets(json.text, secrets, 'the JSON export');

    // Report
    const report = await download(page, 'export-report', testInfo);
    expect(report.name).toMatch(/^keyturn-report-.+\.html$/);
    expect(report.text, 'the report holds a script').not.toMatch(/<script/i);
    expect(report.text, 'the report loads a stylesheet').not.toMatch(/<link[^>]+stylesheet/i);
    expectNoSecrets(report.text, secrets, 'the report');
    const view = await page.context().newPage();
    const fetched: string[] = [];
    await view.route('**/*', (route) => {
      fetched.push(route.request().url());
      return route.abort();
    });
    await view.setContent(report.text);
    const seen = await view.evaluate(() => ({
      text: document.body.innerText.replace(/\s+/g, ' '),
      svgs: document.querySelectorAll('svg').length,
      handlers: document.querySelectorAll('[onerror],[onload],[onclick],[onmouseover]').length,
    }));
    await view.close();
    expect(fetched, 'requests made by the report').toEqual([]);
    expect(seen.handlers, 'elements with event handlers in the report (the XSS description must be text)').toBe(0);
    expect(seen.svgs, 'an <svg> per picture').toBeGreaterThanOrEqual(4);
    expect(seen.text).toMatch(/compliance/i);
    for (const v of ['pass', 'fail', 'n/a', 'unknown'] as const) {
      expect(seen.text, `the report's summary holds the ${v} count ${want.summary[v]}`).toMatch(wholeNumber(want.summary[v]));
    }
    const failingKeys = want.keys.filter((k) => k.listed && k.verdict === 'fail');
    for (const k of failingKeys) {
      expect(seen.text, `the report lists failing ${nameOf(k)}`).toContain(k.key_id);
      for (const reason of k.reasons) expect(seen.text, `the report gives ${nameOf(k)}'s reason`).toContain(reason);
    }
  });

  test('pictures: four SVG charts with titles, labels and focusable bars; a compliance cell filters the table to its scope by click or Enter; screenshots', async ({
    page,
  }) => {
    await openFleet(page, creds);
    const want = await oracle();
    await expectVerdicts(page, want, 'before the pictures');
    for (const id of CHARTS) {
      const chart = page.getByTestId(id);
      await expect(chart, `"${id}" not shown`).toBeVisible();
      const facts = await chartFacts(chart);
      expect(facts.tag, `"${id}" is an svg element`).toBe('svg');
      expect(facts.title, `"${id}" has a <title>`).not.toBe('');
      expect(facts.label, `"${id}" has aria-label or aria-labelledby with text`).not.toBe('');
      expect(facts.focusable, `"${id}" has bars with tabindex="0"`).toBeGreaterThan(0);
      expect(facts.unnamedBars, `"${id}": focusable bars without a name (aria-label or <title>)`).toBe(0);
    }

    // Screenshots of the compliance card: 1280 and 390 px wide, light and dark.
    const card = page.getByTestId('compliance');
    await expect(card).toBeVisible();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const shots: Record<string, Buffer> = {};
    for (const [width, height] of [
      [1280, 900],
      [390, 844],
    ]) {
      await page.setViewportSize({ width, height });
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.waitForTimeout(200);
        shots[`${width}-${scheme}`] = await card.screenshot({ path: path.join(ARTIFACTS, `compliance-${width}-${scheme}.png`) });
      }
      if (width === 390) {
        for (const id of CHARTS) {
          const chart = page.getByTestId(id);
          await chart.scrollIntoViewIfNeeded();
          const box = await chart.boundingBox();
          expect(box, `"${id}" has no box at 390 px`).not.toBeNull();
          expect(box!.width, `"${id}" is wider than a 390 px screen`).toBeLessThanOrEqual(390);
          expect(box!.x, `"${id}" starts left of the screen`).toBeGreaterThanOrEqual(-0.5);
          expect(box!.x + box!.width, `"${id}" runs past the right edge of a 390 px screen`).toBeLessThanOrEqual(390.5);
        }
      }
      expect(shots[`${width}-light`].equals(shots[`${width}-dark`]), `light and dark look the same at ${width} px`).toBe(false);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });

    // The accounts x Regions grid: one cell per scope; a cell filters the table to its scope.
    const cells = page.getByTestId('chart-compliance').locator('[data-testid="chart-cell"]');
    const cellScopes = await cells.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-account')}/${e.getAttribute('data-region')}`));
    expect([...cellScopes].sort(), '"chart-cell"s of "chart-compliance"').toEqual(SIX.map((s) => `${s.account}/${s.region}`).sort());
    const cell = (account: string, region: string) =>
      page.locator(`[data-testid="chart-compliance"] [data-testid="chart-cell"][data-account="${account}"][data-region="${region}"]`);
    const listedIn = (account: string, region: string) =>
      want.keys.filter((k) => k.listed && k.account === account && k.region === region).map(keyOf).sort();
    const expectOnly = async (account: string, region: string, how: string) => {
      await expect.poll(() => inventoryCount(page), { message: `"inventory-count" after ${how} on ${account}/${region}` }).toBe(
        listedIn(account, region).length,
      );
      expect((await everyPage(page)).map((r) => r.key).sort(), `rows after ${how} on ${account}/${region}`).toEqual(listedIn(account, region));
    };
    await cell(ACCOUNT_B, WEST).click();
    await expectOnly(ACCOUNT_B, WEST, 'a click');
    // The grid still shows every scope while filtered, so another cell can be chosen by keyboard.
    const next = cell(ACCOUNT_C, EAST);
    await expect(next, 'the compliance grid lost its other cells while filtered to one scope').toHaveCount(1);
    await next.focus();
    await expect(next).toBeFocused();
    await page.keyboard.press('Enter');
    await expectOnly(ACCOUNT_C, EAST, 'Enter');
  });

  test('fix from the finding: enable automatic rotation for "automatic rotation off", rotate now for "material too old"; the verdict passes once KMS confirms', async ({
    page,
  }) => {
    await openFleet(page, creds);
    const want = await oracle();
    await expectVerdicts(page, want, 'before the fixes');

    // 1. A customer managed key that fails on R1 alone, B preferred.
    const plainKey = (k: OracleKey) =>
      k.listed && k.key_manager === 'CUSTOMER' && k.origin === 'AWS_KMS' && k.key_state === 'Enabled' && k.multi_region === null && k.key_spec === 'SYMMETRIC_DEFAULT';
    const byB = (a: OracleKey, b: OracleKey) => Number(b.account === ACCOUNT_B) - Number(a.account === ACCOUNT_B);
    const off = want.keys
      .filter((k) => plainKey(k) && k.verdict === 'fail' && k.reasons.length === 1 && k.reasons[0] === 'automatic rotation off')
      .sort(byB)[0];
    expect(off, 'no key fails only with "automatic rotation off"').toBeTruthy();
    const offCreds = await credsFor(creds, off.account);
    expect((await cliRotationStatus(offCreds, off.region, off.key_id)).KeyRotationEnabled, `${nameOf(off)} before the fix`).toBe(false);
    const offRow = scopedKeyRow(page, off.account, off.region, off.key_id);
    await expect(offRow).toHaveAttribute('data-verdict', 'fail');
    await offRow.click();
    const panel = page.getByTestId('key-panel');
    await expect(panel).toHaveAttribute('data-key-id', off.key_id);
    const verdict = panel.getByTestId('policy-verdict');
    await expect(verdict).toHaveAttribute('data-verdict', 'fail');
    await expect(verdict).toContainText('automatic rotation off');
    const enable = panel.getByTestId('fix-enable-auto');
    await expect(enable, '"fix-enable-auto" names the period (the policy\'s maximum, 365 days)').toContainText(wholeNumber(365));
    await expect(enable).toContainText(/day/i);
    await enable.click();
    await confirmFix(page);
    await expect(offRow, `${nameOf(off)} after enabling automatic rotation`).toHaveAttribute('data-verdict', 'pass', { timeout: 60_000 });
    await expect(verdict).toHaveAttribute('data-verdict', 'pass');
    const status = await cliRotationStatus(offCreds, off.region, off.key_id);
    expect({ enabled: status.KeyRotationEnabled, period: status.RotationPeriodInDays }, `aws kms get-key-rotation-status ${nameOf(off)}`).toEqual({
      enabled: true,
      period: 365,
    });
    await page.getByTestId('key-panel-close').click();
    await expect(panel).toBeHidden();

    // 2. A key that fails on R3 alone. The demo has none under the default policy (its old keys
    // also fail R2), so the maximum age comes down to 100 days first.
    const aged: Policy = { max_age_days: 100 };
    await setPolicyNumber(page, 'policy-max-age', '100');
    const under = await oracle(aged);
    const now = Date.now() / 1000;
    const old = under.keys
      .filter(
        (k) =>
          plainKey(k) &&
          k.key_id !== off.key_id &&
          k.verdict === 'fail' &&
          k.reasons.length === 1 &&
          /^material \d+ days old > 100$/.test(k.reasons[0]) &&
          (k.on_demand_remaining ?? 0) > 0 &&
          // Not one whose automatic rotation is due soon (RotateKeyOnDemand: ConflictException).
          (k.next_rotation === null || Date.parse(k.next_rotation) / 1000 - now > 3600),
      )
      .sort(byB)[0];
    expect(old, 'no key fails only on the age of its material with a maximum of 100 days').toBeTruthy();
    const oldCreds = await credsFor(creds, old.account);
    const usedBefore = await cliOnDemandCount(oldCreds, old.region, old.key_id);
    expect(usedBefore, 'the AWS CLI and verdicts.py agree on the on-demand rotations').toBe(old.on_demand_used);
    const oldRow = scopedKeyRow(page, old.account, old.region, old.key_id);
    await expect(oldRow, `${nameOf(old)} under a maximum age of 100 days`).toHaveAttribute('data-verdict', 'fail');
    await oldRow.click();
    await expect(panel).toHaveAttribute('data-key-id', old.key_id);
    await expect(verdict).toHaveAttribute('data-verdict', 'fail');
    await expect(verdict).toContainText(old.reasons[0]);
    await panel.getByTestId('fix-rotate-now').click();
    const dialog = page.getByTestId('rotate-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(old.key_id);
    await page.getByTestId('confirm-rotate').click();
    await expect(dialog).toBeHidden();
    await expect(oldRow, `${nameOf(old)} once the rotation has completed`).toHaveAttribute('data-verdict', 'pass', { timeout: 60_000 });
    await expect(verdict).toHaveAttribute('data-verdict', 'pass');
    await expect
      .poll(() => cliOnDemandCount(oldCreds, old.region, old.key_id), { message: `ON_DEMAND entries of ${nameOf(old)} (aws kms list-key-rotations)` })
      .toBe(usedBefore + 1);

    // Both rows now say what the AWS CLI's fresh reads say (the new setting and material).
    const fresh = await runOracle(creds, aged, path.join(path.dirname(cache), 'after-fixes.json'));
    const fixed = new Set([keyOf(off), keyOf(old)]);
    await expect
      .poll(async () => shownRows(await everyPage(page), fresh, (key) => fixed.has(key)), {
        message: 'the fixed keys\' verdicts and reasons against a fresh read with the AWS CLI',
        timeout: 30_000,
      })
      .toEqual(expectedRows(fresh, (k) => fixed.has(keyOf(k))));
  });
});

// Its own peer reset: the keys it makes change account A's key count.
test.describe('formula injection in the CSV export', () => {
  const FORMULAS = ['=HYPERLINK("http://evil.example","x")', '@SUM(1+1)', '+cmd', '-2+3'];

  test.afterAll(async () => {
    // Back to the plain demo fleet for whatever runs next.
    await resetPeer();
  });

  test('descriptions that start like a formula get a leading \' in the CSV (and stay as they are in the JSON)', async ({ page }, testInfo) => {
    const creds = await resetPeer();
    const made = new Map<string, string>();
    for (const description of FORMULAS) {
      // `--description=VALUE`: a value starting with "-" would otherwise read as an option.
      const out = await awsCli(creds, EAST, ['kms', 'create-key', `--description=${description}`]);
      expect(out.KeyMetadata.Description, 'the AWS CLI sent the description as given').toBe(description);
      made.set(out.KeyMetadata.KeyId as string, description);
    }
    await connect(page, creds, { region: EAST });
    await waitForInventory(page, await cliKeyIds(creds, EAST));

    const csv = await download(page, 'export-csv', testInfo);
    const rows = await parseExport<CsvRow[]>('csv', csv.file);
    const described = Object.fromEntries(rows.filter((r) => made.has(r.key_id)).map((r) => [made.get(r.key_id)!, r.description]));
    expect(described, 'descriptions in the CSV (Python csv)').toEqual(Object.fromEntries(FORMULAS.map((d) => [d, `'${d}`])));
    // The HYPERLINK one holds quotes and a comma: quoted, its quotes doubled, on one raw line.
    const line = csv.text.split('\r\n').find((l) => l.includes('HYPERLINK'));
    expect(line, 'the raw CSV line of the HYPERLINK key').toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);

    const json = await download(page, 'export-json', testInfo);
    const doc = await parseExport<JsonExport>('json', json.file);
    const inJson = Object.fromEntries(doc.Keys.filter((k) => made.has(k.KeyId)).map((k) => [made.get(k.KeyId)!, k.Description]));
    expect(inJson, 'descriptions in the JSON export (no spreadsheet: kept as they are)').toEqual(Object.fromEntries(FORMULAS.map((d) => [d, d])));
  });
});

// At the scale users have: the demo plus `bulk_fleet: 200` (docs/peer.md), 200 more keys in each
// of the six scopes, 1,244 keys in all (every third rotates yearly, the rest fail R1: 800+
// failing, nine pages of "filter-failing"). The oracle reads them with boto3 (`verdicts.py
// --boto3`: ~3,700 reads in 15-20 s on two cores, where the AWS CLI takes 90 s or more) and judges
// them with the same code as the CLI mode; both modes printed the same output for this fleet.
test.describe('compliance at scale', () => {
  const BULK_FLEET = 200;
  let creds: StsCredentials;
  let cache: string;
  /** The oracle's first run (it reads the fleet with boto3); later runs judge its cached reads. */
  let reads: Promise<Oracle>;

  test.beforeAll(async () => {
    creds = await resetPeer({ bulk_fleet: BULK_FLEET });
    cache = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-oracle-scale-')), 'reads.json');
    // Read while the page loads the same fleet (both only read); awaited once it has loaded.
    reads = runOracle(creds, {}, cache, { boto3: true });
    reads.catch(() => undefined);
  });

  test.afterAll(async () => {
    // Back to the plain demo fleet for whatever runs next (the other describes reset to the
    // peer's start-up options, other files assume the plain demo).
    await resetPeer({ bulk_fleet: 0 });
  });

  test('1,200+ keys over six scopes: the summary, "filter-failing" on every page, the Policy sort and the CSV agree with the oracle (boto3 reads)', async ({
    page,
  }, testInfo) => {
    // Loading 1,244 keys (~3,700 signed requests) takes 40-60 s on two cores; the rest ~30 s.
    test.setTimeout(240_000);
    await openFleet(page, creds);
    await reads;
    // Judged now, from the cached reads (ages in whole days; the fleet key dates are whole days
    // before the reset).
    const want = await runOracle(creds, {}, cache);
    expect(want.scopes.filter((s) => s.error), 'boto3 could not read a scope').toEqual([]);
    const listed = want.keys.filter((k) => k.listed);
    expect(want.keys.length, 'keys in the six scopes').toBeGreaterThan(6 * BULK_FLEET);
    const failing = listed.filter((k) => k.verdict === 'fail').map(keyOf).sort();
    expect(failing.length, 'failing listed keys: more than one page of 100').toBeGreaterThan(100);

    // The summary counts the listed keys.
    await expect.poll(() => inventoryCount(page), { message: '"inventory-count"', timeout: 30_000 }).toBe(listed.length);
    await expect
      .poll(() => summaryCounts(page), { message: '"compliance-summary" counts over the listed keys', timeout: 30_000 })
      .toEqual(want.summary);

    // "filter-failing": every page of it, exactly the failing listed keys, each with its reasons.
    const filter = page.getByTestId('filter-failing');
    await expect(filter).toHaveAttribute('aria-pressed', 'false');
    await filter.click();
    await expect(filter).toHaveAttribute('aria-pressed', 'true');
    await expect.poll(() => inventoryCount(page), { message: '"inventory-count" with "filter-failing"' }).toBe(failing.length);
    await expect(page.getByTestId('inventory-prev'), 'a filter starts on the first page').toBeDisabled();
    const pages = await pagesForward(page);
    const sizes = pages.map((p) => p.length);
    expect(pages.length, `pages of "filter-failing" (sizes ${sizes})`).toBe(Math.ceil(failing.length / 100));
    expect(pages.length, 'more than one page of failing keys').toBeGreaterThan(1);
    expect(sizes.slice(0, -1).every((n) => n === 100), `page sizes ${sizes}`).toBe(true);
    const shown = pages.flat();
    const shownKeys = shown.map((r) => r.key);
    expect(shownKeys.length - new Set(shownKeys).size, 'rows shown on two pages').toBe(0);
    expect([...shownKeys].sort(), 'rows shown by "filter-failing" over every page').toEqual(failing);
    expect(shown.filter((r) => r.verdict !== 'fail').map((r) => r.key), 'rows without data-verdict="fail"').toEqual([]);
    expect(shownRows(shown, want), 'failing rows: data-verdict and "verdict-reason"s against the oracle').toEqual(
      expectedRows(want, (k) => k.verdict === 'fail'),
    );
    await filter.click();
    await expect(filter).toHaveAttribute('aria-pressed', 'false');
    await expect.poll(() => inventoryCount(page), { message: '"inventory-count" after "filter-failing" is off again' }).toBe(listed.length);

    // Sorted by the Policy column (ascending: failing first), the first page is all failing keys.
    // By its text (the sorted header's arrow is a CSS ::after, which joins its accessible name).
    const policyHeader = page
      .getByTestId('key-table')
      .locator('thead th')
      .filter({ has: page.locator('button.sort', { hasText: /^Policy$/ }) });
    await expect(policyHeader, 'one "Policy" sort header in the key table').toHaveCount(1);
    await expect(policyHeader).toHaveAttribute('aria-sort', 'none');
    await policyHeader.locator('button.sort').click();
    await expect(policyHeader, 'the Policy header after a click').toHaveAttribute('aria-sort', 'ascending');
    await expect(page.getByTestId('inventory-prev'), 'a sort starts on the first page').toBeDisabled();
    const failingSet = new Set(failing);
    await expect
      .poll(
        async () => {
          const rows = await verdictRowsOnPage(page);
          return { rows: rows.length, notFailing: rows.filter((r) => r.verdict !== 'fail' || !failingSet.has(r.key)).map((r) => r.key) };
        },
        { message: 'the first page sorted by Policy: rows that are not failing keys' },
      )
      .toEqual({ rows: 100, notFailing: [] });

    // The CSV: every key of every scope once (replicas too), with the oracle's verdict and reasons.
    const csv = await download(page, 'export-csv', testInfo);
    const rows = await parseExport<CsvRow[]>('csv', csv.file);
    const rowKeys = rows.map((r) => keyOf(r));
    expect(rowKeys.length - new Set(rowKeys).size, 'keys on two CSV lines').toBe(0);
    expect([...rowKeys].sort(), 'CSV: every key of every scope').toEqual(want.keys.map(keyOf).sort());
    const byKey = new Map(want.keys.map((k) => [keyOf(k), k]));
    const judged = (key: string, verdict: string, reasons: string) => ({ key, verdict, reasons });
    expect(
      rows.map((r) => judged(keyOf(r), r.verdict, r.reasons)),
      'CSV verdict and reasons against the oracle',
    ).toEqual(rows.map((r) => judged(keyOf(r), byKey.get(keyOf(r))!.verdict, byKey.get(keyOf(r))!.reasons.join('; '))));
  });
});
