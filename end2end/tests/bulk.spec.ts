// Bulk actions (docs/bulk.md): select, plan, confirm, run, pause, resume, cancel, reload, export.
// Against the peer with KMS's request quotas on (docs/peer.md), so pacing is real.
//
// Oracles: support/bulkplan.py decides every key's plan from the AWS CLI's reads alone (never
// from the console's code); the AWS CLI v1 and verdicts.py --boto3 (the CLI's botocore) read the
// state a run left; the peer's request log counts what was sent.
import { expect, Page, test, TestInfo } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { download, parseExport, runPython } from './support/files';
import { ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, memberRoleArn, sessionEnv } from './support/fleet';
import {
  addFault,
  cliOnDemandCount,
  cliRotationStatus,
  PeerRequest,
  peerRequests,
  peerUrl,
  resetPeer,
  StsCredentials,
} from './support/peer';
import { chooseScopes, connect, firstInt, scopePairs, scopeStatusRow, waitForScopes } from './support/ui';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const REGIONS = [EAST, WEST];
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

/** The six demo scopes as the oracles read them: A with the session, B and C by AssumeRole. */
const SIX_SPEC = [
  { account: ACCOUNT_A, role_arn: null, regions: REGIONS },
  { account: ACCOUNT_B, role_arn: memberRoleArn(ACCOUNT_B), regions: REGIONS },
  { account: ACCOUNT_C, role_arn: memberRoleArn(ACCOUNT_C), regions: REGIONS },
];

type Action = 'enable-auto' | 'set-period' | 'disable-auto' | 'rotate-now';

interface OraclePlan {
  action: Action;
  keys: { account: string; region: string; key_id: string; plan: 'send' | 'skip'; reason: string | null }[];
  per_scope: { account: string; region: string; sends: number; skips: number }[];
  sends: number;
  skips: number;
  billed: number;
  rotations_consumed: number;
}

/**
 * The sentence the console shows for each of bulkplan.py's reasons (docs/bulk.md §2 and the key
 * panel's sentences, docs/rotation-safety.md §1).
 */
const REASON_TEXT: Record<string, RegExp> = {
  'replica-through-primary': /Multi-Region replica: (its primary|rotation is set on its primary)/,
  unreadable: /could not read this key's details/,
  'aws-managed': /AWS managed key/,
  hmac: /HMAC key/,
  asymmetric: /asymmetric key/,
  'unsupported-spec': /spec is/,
  'custom-key-store': /custom key stores/,
  replica: /multi-Region replica: rotation is managed on its primary/,
  'imported-no-automatic': /Automatic rotation is not available for keys with imported/,
  disabled: /The key is disabled/,
  'pending-deletion': /pending deletion/,
  state: /state is|PendingImport|unavailable/,
  'no-pending-import': /import new key material first/,
  'replicas-need-material': /import the same material into/,
  'in-progress': /already in progress/,
  'none-left': /used all 25/,
  'already-on': /Already compliant: automatic rotation is on, every \d+ days/,
  'auto-off': /Automatic rotation is off/,
  'status-unread': /rotation status could not be read/,
  'already-off': /Automatic rotation is already off/,
  'history-unread': /rotation history could not be read/,
};

async function runBulkPlan(creds: StsCredentials, action: Action, period: string, cache: string): Promise<OraclePlan> {
  const args = ['--cache', cache, peerUrl(), JSON.stringify(SIX_SPEC), action, period];
  return JSON.parse(await runPython('bulkplan.py', args, sessionEnv(creds), 170_000)) as OraclePlan;
}

const keyOf = (k: { account: string; region: string; key_id: string }): string => `${k.account}/${k.region}/${k.key_id}`;

// ---- The page

interface PlanRow {
  key: string;
  plan: string | null;
  what: string;
}

async function planRows(page: Page): Promise<PlanRow[]> {
  return page.getByTestId('bulk-plan-row').evaluateAll((rows) =>
    rows.map((r) => ({
      key: `${r.getAttribute('data-account')}/${r.getAttribute('data-region')}/${r.getAttribute('data-key-id')}`,
      plan: r.getAttribute('data-plan'),
      what: (r.querySelector('[data-testid="bulk-plan-what"]')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
    })),
  );
}

interface ResultRow {
  key: string;
  outcome: string | null;
  text: string;
}

async function resultRows(page: Page): Promise<ResultRow[]> {
  return page.getByTestId('bulk-result-row').evaluateAll((rows) =>
    rows.map((r) => ({
      key: `${r.getAttribute('data-account')}/${r.getAttribute('data-region')}/${r.getAttribute('data-key-id')}`,
      outcome: r.getAttribute('data-outcome'),
      text: (r.querySelector('[data-testid="bulk-result-text"]')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
    })),
  );
}

async function outcomeCounts(page: Page): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const r of await resultRows(page)) counts[r.outcome ?? 'none'] = (counts[r.outcome ?? 'none'] ?? 0) + 1;
  return counts;
}

/** Choose the action (and period), press "Plan", and wait for the plan of `selected` keys. */
async function makePlan(page: Page, action: Action, period: string, selected: number): Promise<void> {
  await page.getByTestId('bulk-action').selectOption(action);
  const periodBox = page.getByTestId('bulk-period');
  if (action === 'enable-auto' || action === 'set-period') await periodBox.fill(period);
  else await expect(periodBox, 'the period is only asked for enable and change').toBeDisabled();
  await page.getByTestId('bulk-plan').click();
  await expect(page.getByTestId('bulk-plan-view')).toBeVisible();
  await expect.poll(() => page.getByTestId('bulk-plan-row').count(), { message: 'one plan row per selected key' }).toBe(selected);
}

/** Connect to A in us-east-1 and load `regions` of A and of `others`; wait until every scope is done. */
async function openScopes(page: Page, creds: StsCredentials, regions: string[], others: string[]): Promise<void> {
  await connect(page, creds, { region: EAST });
  await expect(scopeStatusRow(page, ACCOUNT_A, EAST)).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  if (regions.length > 1 || others.length > 0) {
    await chooseScopes(page, { regions, accounts: others });
    const statuses = await waitForScopes(page, scopePairs([ACCOUNT_A, ...others], regions), 150_000);
    expect(statuses.filter((s) => s.state !== 'done'), 'scopes not done').toEqual([]);
  }
  await expect(page.getByTestId('inventory-progress'), 'the load never finished').toBeHidden({ timeout: 120_000 });
}

/** Filter the table to the peer's `alias/fleet-NNNN` keys and select every one shown, on every page. */
async function selectFleet(page: Page, expected: number): Promise<void> {
  await page.getByTestId('inventory-filter').fill('alias/fleet-');
  await expect.poll(async () => firstInt(await page.getByTestId('inventory-count').innerText())).toBe(expected);
  await page.getByTestId('select-all-shown').check();
  await expect
    .poll(async () => firstInt(await page.getByTestId('selection-count').innerText()), { message: '"selection-count" after "select-all-shown"' })
    .toBe(expected);
}

async function confirmAndRun(page: Page, count: number | null): Promise<void> {
  const run = page.getByTestId('bulk-run');
  if (count !== null) {
    await expect(run, 'nothing is sent before the typed count').toBeDisabled();
    await page.getByTestId('bulk-confirm-count').fill(String(count + 1));
    await expect(run, 'a wrong count does not confirm').toBeDisabled();
    await page.getByTestId('bulk-confirm-count').fill(String(count));
  }
  await expect(run).toBeEnabled();
  await run.click();
  await expect(page.getByTestId('bulk-run-view')).toBeVisible();
}

async function runState(page: Page): Promise<string | null> {
  return page.getByTestId('bulk-run-view').getAttribute('data-state');
}

async function waitForState(page: Page, state: string, timeout: number): Promise<void> {
  await expect.poll(() => runState(page), { message: `the run never became "${state}"`, timeout }).toBe(state);
}

/** RotateKeyOnDemand requests the peer received, by key id (ARN or id as sent, reduced to the id). */
function byKey(requests: PeerRequest[]): Map<string, PeerRequest[]> {
  const out = new Map<string, PeerRequest[]>();
  for (const r of requests) {
    const id = (r.key_id ?? '').replace(/^.*:key\//, '');
    out.set(id, [...(out.get(id) ?? []), r]);
  }
  return out;
}

const throttled = (r: PeerRequest): boolean => r.error === 'ThrottlingException';

function note(testInfo: TestInfo, type: string, description: string): void {
  testInfo.annotations.push({ type, description });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.appendFileSync(path.join(ARTIFACTS, 'bulk-timings.txt'), `${new Date().toISOString()} ${type}: ${description}\n`);
}

// ---- The plan over the demo organisation

test.describe('the plan over the demo organisation', () => {
  test('lists exactly the sends and skips bulkplan.py decides, for each action, and sends nothing unconfirmed', async ({ page }) => {
    test.setTimeout(420_000);
    const creds = await resetPeer({ quotas: true });
    const cache = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-bulkplan-')), 'reads.json');
    // The oracle reads while the page loads; every later action plans from the same reads.
    const first = runBulkPlan(creds, 'rotate-now', '-', cache);
    await openScopes(page, creds, REGIONS, [ACCOUNT_B, ACCOUNT_C]);
    const rotateNow = await first;
    const selected = rotateNow.keys.length;
    expect(selected, 'the demo organisation lists keys in six scopes').toBeGreaterThan(30);

    // "Select all shown" with no filter: every listed key of the six scopes, on every page.
    await page.getByTestId('select-all-shown').check();
    await expect.poll(async () => firstInt(await page.getByTestId('selection-count').innerText())).toBe(selected);

    const cases: [Action, string, OraclePlan | null][] = [
      ['rotate-now', '-', rotateNow],
      ['enable-auto', '365', null],
      ['set-period', '365', null],
      ['disable-auto', '-', null],
    ];
    for (const [action, period, known] of cases) {
      const oracle = known ?? (await runBulkPlan(creds, action, period, cache));
      await makePlan(page, action, period, selected);
      const rows = await planRows(page);
      // Each key's decision, keyed by account/region/key-id.
      const shown = Object.fromEntries(rows.map((r) => [r.key, r.plan]));
      const expected = Object.fromEntries(oracle.keys.map((k) => [keyOf(k), k.plan]));
      expect(shown, `${action}: each key's data-plan differs from bulkplan.py's`).toEqual(expected);
      // Each skip's sentence is the one for the oracle's reason.
      const text = new Map(rows.map((r) => [r.key, r.what]));
      const wrong = oracle.keys
        .filter((k) => k.plan === 'skip' && !(REASON_TEXT[k.reason ?? '']?.test(text.get(keyOf(k)) ?? '') ?? false))
        .map((k) => `${keyOf(k)}: expected ${k.reason}, shown "${text.get(keyOf(k))}"`);
      expect(wrong, `${action}: skip sentences that do not give the oracle's reason`).toEqual([]);
      // Requests per account and Region.
      const scopes = await page.getByTestId('bulk-plan-scope').evaluateAll((els) =>
        els.map((el) => {
          const cells = Array.from(el.querySelectorAll('td')).map((td) => (td.textContent ?? '').trim());
          return { account: el.getAttribute('data-account'), region: el.getAttribute('data-region'), sends: Number(cells[2]), skips: Number(cells[3]) };
        }),
      );
      const byScope = (l: { account: string | null; region: string | null }) => `${l.account}/${l.region}`;
      expect(
        Object.fromEntries(scopes.map((l) => [byScope(l), [l.sends, l.skips]])),
        `${action}: "bulk-plan-scope" requests and skips per account and Region`,
      ).toEqual(Object.fromEntries(oracle.per_scope.filter((l) => l.sends + l.skips > 0).map((l) => [byScope(l), [l.sends, l.skips]])));
      // The counts, the billing note and the on-demand rotations it uses.
      const summary = await page.getByTestId('bulk-plan-summary').innerText();
      expect(summary).toContain(`${oracle.sends} to send`);
      expect(summary).toContain(`${oracle.skips} skipped`);
      if (action === 'disable-auto') {
        await expect(page.getByTestId('bulk-plan-billing'), 'turning rotation off costs nothing').toHaveCount(0);
      } else {
        expect(firstInt(await page.getByTestId('bulk-plan-billing').innerText()), `${action}: keys billed`).toBe(oracle.billed);
      }
      if (action === 'rotate-now') {
        expect(firstInt(await page.getByTestId('bulk-plan-rotations').innerText())).toBe(oracle.rotations_consumed);
      }
      // The script: one AWS CLI command per send, a comment per skip, each with its Region.
      const script = await page.getByTestId('bulk-plan-cli').innerText();
      const commands = script.split('\n').filter((l) => /^aws kms /.test(l));
      expect(commands, `${action}: one command per send`).toHaveLength(oracle.sends);
      for (const k of oracle.keys.filter((k) => k.plan === 'send')) {
        const line = commands.find((c) => c.includes(`:${k.account}:key/${k.key_id}`));
        expect(line, `${action}: no command with the key ARN of ${keyOf(k)}`).toBeTruthy();
        expect(line).toMatch(new RegExp(`--region '?${k.region}'?( |$)`));
      }
      expect(script.split('\n').filter((l) => /^# skipped/.test(l)), `${action}: one comment per skip`).toHaveLength(oracle.skips);

      if (action === 'rotate-now') {
        // More than one key to rotate: nothing runs before the typed count matches.
        await expect(page.getByTestId('bulk-run')).toBeDisabled();
        await page.getByTestId('bulk-confirm-count').fill(String(oracle.sends - 1));
        await expect(page.getByTestId('bulk-run'), 'a wrong count does not confirm').toBeDisabled();
      }
      await page.getByTestId('bulk-plan-close').click();
      await expect(page.getByTestId('bulk-plan-view')).toBeHidden();
    }
    const sent = (await peerRequests()).filter((r) => /RotateKeyOnDemand|EnableKeyRotation|DisableKeyRotation/.test(r.operation));
    expect(sent, 'planning sends nothing').toEqual([]);
  });
});

// ---- Runs

test.describe('runs', () => {
  test('enable with period 180 over 200 keys in two scopes: every key enabled with 180, paced within quotas', async ({ page }, testInfo) => {
    test.setTimeout(420_000);
    const creds = await resetPeer({ bulk_fleet: 100, quotas: true });
    await openScopes(page, creds, REGIONS, []);
    await selectFleet(page, 200);
    await makePlan(page, 'enable-auto', '180', 200);
    await expect(page.getByTestId('bulk-plan-summary')).toContainText('200 to send');
    await expect(page.getByTestId('bulk-confirm-count'), 'a settings action needs no typed count').toHaveCount(0);
    const started = Date.now();
    await confirmAndRun(page, null);
    await waitForState(page, 'finished', 240_000);
    const took = (Date.now() - started) / 1000;
    const rows = await resultRows(page);
    expect(rows).toHaveLength(200);
    expect(rows.filter((r) => r.outcome !== 'done'), 'keys not done').toEqual([]);
    await expect(page.getByTestId('bulk-progress')).toHaveAttribute('aria-valuenow', '200');
    const timing = await page.getByTestId('bulk-timing').innerText();
    const enables = await peerRequests({ operation: 'EnableKeyRotation' });
    note(testInfo, 'enable-200', `${timing} Wall clock ${took.toFixed(1)} s; ${enables.filter(throttled).length} of ${enables.length} EnableKeyRotation throttled.`);
    // One EnableKeyRotation per key answered (throttled attempts are sent again), with 180.
    const answered = enables.filter((r) => !throttled(r));
    expect(new Set(answered.map((r) => r.key_id)).size).toBe(200);

    // The AWS CLI's library reads all 200 back; the CLI itself a sample of each scope.
    const spec = [{ account: ACCOUNT_A, role_arn: null, regions: REGIONS }];
    const read = JSON.parse(
      await runPython('verdicts.py', ['--boto3', peerUrl(), JSON.stringify(spec), '{}', String(Math.floor(Date.now() / 1000))], sessionEnv(creds), 170_000),
    ) as { keys: { region: string; key_id: string; aliases: string[]; auto_rotation: string | null; rotation_period_days: number | null }[] };
    const fleet = read.keys.filter((k) => k.aliases.some((a) => a.startsWith('alias/fleet-')));
    expect(fleet).toHaveLength(200);
    expect(fleet.filter((k) => k.auto_rotation !== 'on' || k.rotation_period_days !== 180).map((k) => `${k.region}/${k.key_id}`)).toEqual([]);
    for (const region of REGIONS) {
      for (const k of fleet.filter((k) => k.region === region).slice(0, 5)) {
        const s = await cliRotationStatus(creds, region, k.key_id);
        expect(s.KeyRotationEnabled, `aws kms get-key-rotation-status ${k.key_id} in ${region}`).toBe(true);
        expect(s.RotationPeriodInDays).toBe(180);
      }
    }
  });

  test('rotate now over 20 keys: one RotateKeyOnDemand each through 5xx, a dropped connection, throttling and a reload', async ({ page }, testInfo) => {
    test.setTimeout(480_000);
    const creds = await resetPeer({ bulk_fleet: 20, quotas: true, rotation_seconds: 3 });
    await openScopes(page, creds, [EAST], []);
    await selectFleet(page, 20);
    const ids = (await page.getByTestId('key-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key-id') ?? ''))).sort();
    expect(ids).toHaveLength(20);
    for (const id of ids) expect(await cliOnDemandCount(creds, EAST, id)).toBe(0);
    // The slowest pace, so the reload lands mid-run.
    await page.getByTestId('quota-share').selectOption('25');
    await makePlan(page, 'rotate-now', '-', 20);
    await expect(page.getByTestId('bulk-plan-rotations')).toContainText('20');
    await addFault({ operation: 'RotateKeyOnDemand', fault: 'internal-after', count: 2 });
    await addFault({ operation: 'RotateKeyOnDemand', fault: 'drop-after', count: 1 });
    await addFault({ operation: 'RotateKeyOnDemand', fault: 'throttle', count: 3 });
    await confirmAndRun(page, 20);

    // Reload once some keys have their outcome and others are still to go.
    await expect
      .poll(async () => {
        const c = await outcomeCounts(page);
        return (c.done ?? 0) + (c.unknown ?? 0);
      }, { timeout: 120_000 })
      .toBeGreaterThanOrEqual(6);
    const before = await outcomeCounts(page);
    expect(before.pending ?? 0, 'the reload must land mid-run').toBeGreaterThan(0);
    await page.reload();
    await connect(page, creds, { region: EAST, goto: false });
    await expect(page.getByTestId('bulk-restored')).toBeVisible();
    await waitForState(page, 'paused', 30_000);
    await expect(scopeStatusRow(page, ACCOUNT_A, EAST)).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
    await page.getByTestId('bulk-resume').click();
    await waitForState(page, 'finished', 300_000);
    note(testInfo, 'rotate-20', `with a reload and reconnection mid-run: ${await page.getByTestId('bulk-timing').innerText()}`);
    // Rotations whose answer was lost are reconciled from KMS's history.
    await expect
      .poll(async () => (await resultRows(page)).filter((r) => r.outcome === 'unknown').map((r) => `${r.key}: ${r.text}`), {
        message: 'outcomes still unknown after the run',
        timeout: 180_000,
      })
      .toEqual([]);
    // A request the reload cut before it reached KMS is "not applied" once KMS's history has
    // shown nothing for the reconciliation window: retried as a new plan, as a user would.
    const notApplied = (await resultRows(page)).filter((r) => r.outcome === 'failed');
    for (const r of notApplied) expect(r.text, `${r.key} failed`).toMatch(/not applied/);
    if (notApplied.length > 0) {
      note(testInfo, 'rotate-20', `${notApplied.length} request(s) cut by the reload before reaching KMS: retried`);
      await page.getByTestId('bulk-retry-failed').click();
      await expect.poll(() => page.getByTestId('bulk-plan-row').count()).toBe(notApplied.length);
      await page.getByTestId('bulk-dismiss').click();
      await confirmAndRun(page, notApplied.length > 1 ? notApplied.length : null);
      await waitForState(page, 'finished', 120_000);
    }
    await expect
      .poll(async () => (await resultRows(page)).filter((r) => r.outcome !== 'done').map((r) => `${r.key} ${r.outcome}: ${r.text}`), {
        message: 'keys not done',
        timeout: 60_000,
      })
      .toEqual([]);

    const sent = byKey(await peerRequests({ operation: 'RotateKeyOnDemand' }));
    const perKey = Object.fromEntries(ids.map((id) => [id, (sent.get(id) ?? []).filter((r) => !throttled(r)).length]));
    expect(perKey, 'RotateKeyOnDemand requests that were not throttled, per key (the peer log)').toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    const faults = [...sent.values()].flat().map((r) => r.fault).filter(Boolean);
    expect(faults.filter((f) => f === 'internal-after')).toHaveLength(2);
    expect(faults.filter((f) => f === 'drop-after')).toHaveLength(1);
    expect(faults.filter((f) => f === 'throttle')).toHaveLength(3);
    // "Done" is KMS's acceptance; the history lists a rotation once it completed (a few seconds).
    for (const id of ids) {
      await expect.poll(() => cliOnDemandCount(creds, EAST, id), { message: `aws kms list-key-rotations ${id}`, timeout: 30_000 }).toBe(1);
    }
  });

  test('pause and cancel send nothing more; the results export as CSV and JSON', async ({ page }, testInfo) => {
    test.setTimeout(420_000);
    const creds = await resetPeer({ bulk_fleet: 40, quotas: true, rotation_seconds: 2 });
    await openScopes(page, creds, [EAST], []);
    await selectFleet(page, 40);
    await page.getByTestId('quota-share').selectOption('25');
    await makePlan(page, 'rotate-now', '-', 40);
    await confirmAndRun(page, 40);
    const rotations = async () => (await peerRequests({ operation: 'RotateKeyOnDemand' })).length;

    const settled = async () => {
      const c = await outcomeCounts(page);
      return c.sending ?? 0;
    };
    await expect.poll(async () => (await outcomeCounts(page)).done ?? 0, { timeout: 90_000 }).toBeGreaterThanOrEqual(3);
    await page.getByTestId('bulk-pause').click();
    await waitForState(page, 'paused', 10_000);
    // A request on its way finishes; after that nothing more leaves.
    await expect.poll(settled, { message: 'keys still on their way after Pause', timeout: 60_000 }).toBe(0);
    const atPause = await rotations();
    await page.waitForTimeout(6_000);
    expect(await rotations(), 'RotateKeyOnDemand sent while paused').toBe(atPause);
    const doneAtPause = (await outcomeCounts(page)).done ?? 0;
    expect(doneAtPause, 'each request sent is a key done').toBe(atPause);

    await page.getByTestId('bulk-resume').click();
    await expect.poll(async () => (await outcomeCounts(page)).done ?? 0, { timeout: 90_000 }).toBeGreaterThanOrEqual(doneAtPause + 3);
    await page.getByTestId('bulk-cancel').click();
    await waitForState(page, 'finished', 60_000);
    const atCancel = await rotations();
    await page.waitForTimeout(6_000);
    expect(await rotations(), 'RotateKeyOnDemand sent after Cancel').toBe(atCancel);
    await expect(page.getByTestId('bulk-resume')).toBeDisabled();
    await expect(page.getByTestId('bulk-cancel')).toBeDisabled();

    const rows = await resultRows(page);
    const done = rows.filter((r) => r.outcome === 'done');
    const skipped = rows.filter((r) => r.outcome === 'skipped');
    expect(done.length + skipped.length, 'every key done or skipped').toBe(40);
    expect(done.length).toBe(atCancel);
    expect(skipped.length, 'keys left when cancelled').toBeGreaterThan(0);
    for (const r of skipped) expect(r.text).toMatch(/cancelled/);
    // KMS agrees: a skipped key was never rotated, a done one once.
    for (const r of [...skipped.slice(0, 3), ...done.slice(0, 3)]) {
      const id = r.key.split('/')[2];
      expect(await cliOnDemandCount(creds, EAST, id), `aws kms list-key-rotations ${id}`).toBe(r.outcome === 'done' ? 1 : 0);
    }
    note(testInfo, 'pause-cancel', `${done.length} rotated, ${skipped.length} skipped at cancel; ${await page.getByTestId('bulk-timing').innerText()}`);

    // The exports hold what the rows show.
    const csv = await download(page, 'bulk-export-csv', testInfo);
    expect(csv.name).toMatch(/\.csv$/);
    const csvRows = await parseExport<Record<string, string>[]>('results-csv', csv.file);
    expect(
      Object.fromEntries(csvRows.map((r) => [`${r.account}/${r.region}/${r.key_id}`, r.outcome])),
      'the CSV outcome of each key',
    ).toEqual(Object.fromEntries(rows.map((r) => [r.key, r.outcome])));
    for (const r of csvRows) {
      expect(r.action).toBe('rotate-now');
      expect(r.sent, `CSV "sent" of ${r.key_id} (${r.outcome})`).toBe(r.outcome === 'skipped' ? '' : 'RotateKeyOnDemand');
      expect(r.key_arn).toContain(`:key/${r.key_id}`);
    }
    const json = await download(page, 'bulk-export-json', testInfo);
    const doc = JSON.parse(json.text) as { Action: string; Counts: Record<string, number>; Keys: { Account: string; Region: string; KeyId: string; Outcome: string }[] };
    expect(doc.Action).toBe('rotate-now');
    expect(doc.Counts.Done).toBe(done.length);
    expect(doc.Counts.Skipped).toBe(skipped.length);
    expect(Object.fromEntries(doc.Keys.map((k) => [`${k.Account}/${k.Region}/${k.KeyId}`, k.Outcome]))).toEqual(
      Object.fromEntries(rows.map((r) => [r.key, r.outcome])),
    );
    // Never a credential in either.
    for (const secret of [creds.Credentials.SecretAccessKey, creds.Credentials.SessionToken, creds.Credentials.AccessKeyId]) {
      expect(csv.text.includes(secret) || json.text.includes(secret), 'a credential in an export').toBe(false);
    }
    // Dismiss clears the run; a new plan can be made.
    await page.getByTestId('bulk-dismiss').click();
    await expect(page.getByTestId('bulk-run-view')).toBeHidden();
  });
});
