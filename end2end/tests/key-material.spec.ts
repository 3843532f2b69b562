// Issue 12: imported key material through the console, as a user with an HSM does it. The page
// gives the wrapping public key and import token; the material is wrapped outside the page
// (support/wrapmaterial.py with `cryptography`, as an HSM or OpenSSL would); the page uploads
// the wrapped bytes. Every state is checked with the AWS CLI v1. Also: a multi-Region imported
// primary's missing-replica reason, and last use.
import { expect, Locator, Page, test, TestInfo } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { useDemoFleet } from './support/demo';
import { runPython } from './support/files';
import { chooseScopes, connect, goToKey, openKeyPanel, waitForScopes } from './support/ui';
import { accountOf, awsCli, StsCredentials } from './support/peer';

// Every test makes its own keys with the AWS CLI; the demo fleet is reset before each.
const demo = useDemoFleet('each');
const EAST = 'us-east-1';
const WEST = 'us-west-2';
const NEVER = ['--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE'];

const cli = (region: string, args: string[]) => awsCli(demo.creds, region, args);

/** 32 random bytes in a file: the plaintext material, which only the "HSM" side ever reads. */
function newMaterial(testInfo: TestInfo, name: string): string {
  const file = testInfo.outputPath(`${name}.plain`);
  fs.writeFileSync(file, randomBytes(32));
  return file;
}

async function wrap(publicKey: string, algorithm: string, material: string, out: string): Promise<void> {
  await runPython('wrapmaterial.py', [publicKey, algorithm, material, out], { PATH: process.env.PATH, HOME: process.env.HOME }, 60_000);
}

/** The CLI path a user without keyturn takes: get-parameters-for-import, wrap, import-key-material. */
async function cliImport(testInfo: TestInfo, region: string, keyId: string, material: string, extra: string[]): Promise<string> {
  const p = await cli(region, [
    'kms', 'get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', 'RSAES_OAEP_SHA_256', '--wrapping-key-spec', 'RSA_2048',
  ]);
  const tag = randomBytes(4).toString('hex');
  const publicKey = testInfo.outputPath(`cli-${tag}-PublicKey.bin`);
  const token = testInfo.outputPath(`cli-${tag}-ImportToken.bin`);
  const wrapped = testInfo.outputPath(`cli-${tag}-EncryptedKeyMaterial.bin`);
  fs.writeFileSync(publicKey, Buffer.from(p.PublicKey, 'base64'));
  fs.writeFileSync(token, Buffer.from(p.ImportToken, 'base64'));
  await wrap(publicKey, 'RSAES_OAEP_SHA_256', material, wrapped);
  const out = await cli(region, [
    'kms', 'import-key-material', '--key-id', keyId, '--encrypted-key-material', `fileb://${wrapped}`, '--import-token', `fileb://${token}`, ...extra,
  ]);
  return out.KeyMaterialId as string;
}

/** Saves the download a link of the panel starts. */
async function save(page: Page, link: Locator, file: string): Promise<void> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), link.click()]);
  await dl.saveAs(file);
}

interface UiImport {
  spec?: string;
  algorithm?: string;
  importType?: string;
  description?: string;
}

/** The console's three steps: get the public key and token (downloads), wrap outside, upload. */
async function uiImport(page: Page, panel: Locator, testInfo: TestInfo, material: string, opts: UiImport = {}): Promise<string> {
  const { spec = 'RSA_2048', algorithm = 'RSAES_OAEP_SHA_256', importType, description } = opts;
  const section = panel.getByTestId('import-material');
  await expect(section).toBeVisible();
  await section.getByTestId('import-wrapping-spec').selectOption(spec);
  await section.getByTestId('import-wrapping-algorithm').selectOption(algorithm);
  await section.getByTestId('import-get-params').click();
  const publicLink = section.getByTestId('download-public-key');
  await expect(publicLink).toBeVisible({ timeout: 30_000 });
  const tag = randomBytes(4).toString('hex');
  const publicKey = testInfo.outputPath(`ui-${tag}-PublicKey.bin`);
  const token = testInfo.outputPath(`ui-${tag}-ImportToken.bin`);
  const wrapped = testInfo.outputPath(`ui-${tag}-EncryptedKeyMaterial.bin`);
  await save(page, publicLink, publicKey);
  await save(page, section.getByTestId('download-import-token'), token);
  // The public key is DER SubjectPublicKeyInfo, as KMS sends it (base64 on the wire).
  expect(fs.readFileSync(publicKey)[0], 'the public key file is not DER').toBe(0x30);
  await wrap(publicKey, algorithm, material, wrapped);
  await section.getByTestId('import-material-file').setInputFiles(wrapped);
  await section.getByTestId('import-token-file').setInputFiles(token);
  if (importType) await section.getByTestId('import-type').selectOption(importType);
  if (description) await section.getByTestId('import-description').fill(description);
  await section.getByTestId('import-expiration').selectOption('KEY_MATERIAL_DOES_NOT_EXPIRE');
  // The page never held the plaintext: none of its bytes is in the DOM or the request log.
  const outcome = section.getByTestId('import-outcome');
  await section.getByTestId('import-submit').click();
  await expect(outcome).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
  const id = (await outcome.innerText()).match(/[0-9a-f]{64}/)?.[0];
  expect(id, 'the outcome names the imported material').toBeTruthy();
  return id!;
}

async function materials(region: string, keyId: string): Promise<{ KeyMaterialId: string; KeyMaterialState: string; ImportState?: string; KeyMaterialDescription?: string }[]> {
  return (await cli(region, ['kms', 'list-key-rotations', '--key-id', keyId, '--include-key-material', 'ALL_KEY_MATERIAL'])).Rotations;
}

async function describe(region: string, keyId: string): Promise<{ KeyState: string; CurrentKeyMaterialId?: string; Arn: string }> {
  return (await cli(region, ['kms', 'describe-key', '--key-id', keyId])).KeyMetadata;
}

/** Rotate now through the console's dialog. */
async function rotateInUi(page: Page, panel: Locator): Promise<void> {
  await expect(panel.getByTestId('rotate-now')).toBeEnabled({ timeout: 30_000 });
  await panel.getByTestId('rotate-now').click();
  const dialog = page.getByTestId('rotate-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('confirm-rotate').click();
}

async function waitRotations(region: string, keyId: string, count: number): Promise<{ KeyMaterialId: string; RotationType: string }[]> {
  let rotations: { KeyMaterialId: string; RotationType: string }[] = [];
  await expect
    .poll(
      async () => {
        rotations = (await cli(region, ['kms', 'list-key-rotations', '--key-id', keyId])).Rotations;
        return rotations.length;
      },
      { timeout: 30_000, message: `the CLI never saw rotation ${count} of ${keyId}` },
    )
    .toBe(count);
  return rotations;
}

/** Connected, with the key made before the inventory loaded. */
async function connectTo(page: Page, creds: StsCredentials): Promise<void> {
  await connect(page, creds);
  await expect(page.getByTestId('inventory-progress')).toBeHidden({ timeout: 90_000 });
}

test.describe('imported key material', () => {
  test('import through the console, rotate onto the new material, delete the old one (checked with the AWS CLI)', async ({ page }, testInfo) => {
    const keyId = (await cli(EAST, ['kms', 'create-key', '--origin', 'EXTERNAL', '--description', 'keyturn e2e import'])).KeyMetadata.KeyId as string;
    await connectTo(page, demo.creds);
    let panel = await openKeyPanel(page, keyId);
    await expect(panel.getByTestId('rotate-blocked-reason')).toContainText(/import key material first/i);

    // The first material: the key becomes Enabled with it as current.
    const first = newMaterial(testInfo, 'first');
    const firstId = await uiImport(page, panel, testInfo, first, { description: 'first from the HSM', spec: 'RSA_4096', algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
    await expect.poll(async () => (await describe(EAST, keyId)).KeyState).toBe('Enabled');
    expect((await describe(EAST, keyId)).CurrentKeyMaterialId).toBe(firstId);
    let cliRows = await materials(EAST, keyId);
    expect(cliRows.map((m) => [m.KeyMaterialId, m.KeyMaterialState, m.ImportState, m.KeyMaterialDescription])).toEqual([
      [firstId, 'CURRENT', 'IMPORTED', 'first from the HSM'],
    ]);
    const table = panel.getByTestId('key-material-table');
    await expect(table.locator(`[data-testid="key-material-row"][data-material-id="${firstId}"]`)).toHaveAttribute('data-state', 'CURRENT');
    await expect(panel.getByTestId('rotate-blocked-reason')).toContainText(/import new key material first/i);

    // New material for a rotation: pending, then current after "Rotate now".
    const second = newMaterial(testInfo, 'second');
    const secondId = await uiImport(page, panel, testInfo, second, { importType: 'NEW_KEY_MATERIAL' });
    await expect(table.locator(`[data-testid="key-material-row"][data-material-id="${secondId}"]`)).toHaveAttribute('data-state', 'PENDING_ROTATION', { timeout: 30_000 });
    cliRows = await materials(EAST, keyId);
    expect(cliRows.find((m) => m.KeyMaterialId === secondId)?.KeyMaterialState).toBe('PENDING_ROTATION');
    await rotateInUi(page, panel);
    const [rotation] = await waitRotations(EAST, keyId, 1);
    expect(rotation.KeyMaterialId).toBe(secondId);
    expect(rotation.RotationType).toBe('ON_DEMAND');
    await expect.poll(async () => (await describe(EAST, keyId)).CurrentKeyMaterialId).toBe(secondId);
    await expect(table.locator(`[data-testid="key-material-row"][data-material-id="${secondId}"]`)).toHaveAttribute('data-current', 'true', { timeout: 30_000 });

    // Deleting imported material warns first; the key is then unusable until it is imported again.
    panel = page.getByTestId('key-panel');
    await table.locator(`[data-testid="key-material-row"][data-material-id="${firstId}"]`).getByTestId('delete-material').click();
    const warning = panel.getByTestId('delete-material-warning');
    await expect(warning).toContainText(/unusable/i);
    await expect(warning).toContainText(firstId);
    await warning.getByTestId('delete-material-confirm').click();
    await expect(panel.getByTestId('delete-material-outcome')).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
    await expect.poll(async () => (await describe(EAST, keyId)).KeyState).toBe('PendingImport');
    expect((await materials(EAST, keyId)).find((m) => m.KeyMaterialId === firstId)?.ImportState).toBe('PENDING_IMPORT');
    await expect(panel.getByTestId('rotate-blocked-reason')).toContainText(/PendingImport/, { timeout: 30_000 });

    // The same material again (EXISTING_KEY_MATERIAL): usable again.
    const again = await uiImport(page, panel, testInfo, first, { importType: 'EXISTING_KEY_MATERIAL' });
    expect(again).toBe(firstId);
    await expect.poll(async () => (await describe(EAST, keyId)).KeyState).toBe('Enabled');
    // No byte of plaintext material ever reached the page.
    const html = await page.content();
    for (const file of [first, second]) expect(html).not.toContain(fs.readFileSync(file).toString('base64'));
  });

  test('a multi-Region imported primary names the replica that lacks the new material; importing it there lets it rotate', async ({ page }, testInfo) => {
    const keyId = (await cli(EAST, ['kms', 'create-key', '--origin', 'EXTERNAL', '--multi-region', '--description', 'keyturn e2e MR import'])).KeyMetadata.KeyId as string;
    const first = newMaterial(testInfo, 'mr-first');
    await cliImport(testInfo, EAST, keyId, first, NEVER);
    await cli(EAST, ['kms', 'replicate-key', '--key-id', keyId, '--replica-region', WEST]);
    await cliImport(testInfo, WEST, keyId, first, NEVER);
    const next = newMaterial(testInfo, 'mr-next');
    const nextId = await cliImport(testInfo, EAST, keyId, next, [...NEVER, '--import-type', 'NEW_KEY_MATERIAL']);
    expect((await materials(EAST, keyId)).find((m) => m.KeyMaterialId === nextId)?.KeyMaterialState).toBe('PENDING_MULTI_REGION_IMPORT_AND_ROTATION');

    await connectTo(page, demo.creds);
    await chooseScopes(page, { regions: [EAST, WEST], accounts: [] });
    const account = accountOf(demo.creds);
    await waitForScopes(page, [{ account, region: EAST }, { account, region: WEST }]);
    let panel = await openKeyPanel(page, keyId);
    await expect(panel).toHaveAttribute('data-key-id', keyId);
    const reason = panel.getByTestId('rotate-blocked-reason');
    await expect(reason).toContainText(`import the same material into the replica in ${WEST}`);
    await expect(panel.getByTestId('rotate-now')).toBeDisabled();

    // The replica takes the same material through the console (EXISTING_KEY_MATERIAL).
    const replicaArn = (await describe(WEST, keyId)).Arn;
    await goToKey(page, replicaArn);
    panel = page.getByTestId('key-panel');
    await expect(panel.getByTestId('import-replica-hint')).toBeVisible({ timeout: 30_000 });
    await expect(panel.getByTestId('import-type')).toHaveValue('EXISTING_KEY_MATERIAL');
    const id = await uiImport(page, panel, testInfo, next);
    expect(id).toBe(nextId);
    expect((await materials(WEST, keyId)).find((m) => m.KeyMaterialId === nextId)?.KeyMaterialState).toBe('PENDING_ROTATION');
    expect((await materials(EAST, keyId)).find((m) => m.KeyMaterialId === nextId)?.KeyMaterialState).toBe('PENDING_ROTATION');

    // The primary can rotate now; the whole set moves to the new material.
    panel = await openKeyPanel(page, keyId);
    await rotateInUi(page, panel);
    await waitRotations(EAST, keyId, 1);
    await expect.poll(async () => (await describe(WEST, keyId)).CurrentKeyMaterialId).toBe(nextId);
  });
});

test.describe('last use', () => {
  test('shows the last use of a used key, "never used" for a new one, and follows a use made with the CLI', async ({ page }) => {
    const fresh = (await cli(EAST, ['kms', 'create-key', '--description', 'keyturn e2e last use'])).KeyMetadata.KeyId as string;
    const used = demo.fleet.pick('key used for Encrypt', (k) => k.Aliases.some((a) => a.AliasName === 'alias/demo-manual'));
    const old = demo.fleet.pick('key made before tracking began', (k) => k.Aliases.some((a) => a.AliasName === 'alias/demo-auto'));
    await connectTo(page, demo.creds);

    let panel = await openKeyPanel(page, used.KeyId);
    const usage = await cli(EAST, ['kms', 'get-key-last-usage', '--key-id', used.KeyId]);
    const lastUse = panel.getByTestId('last-use');
    await expect(lastUse).toHaveAttribute('data-state', 'used', { timeout: 30_000 });
    await expect(lastUse).toContainText(usage.KeyLastUsage.Operation);
    await expect(lastUse).toContainText(usage.KeyLastUsage.CloudTrailEventId);
    await expect(panel).toContainText(/Do not rely on last use alone/);

    panel = await openKeyPanel(page, old.KeyId);
    await expect(panel.getByTestId('last-use')).toHaveAttribute('data-state', 'unknown-before', { timeout: 30_000 });
    const tracking = (await cli(EAST, ['kms', 'get-key-last-usage', '--key-id', old.KeyId])).TrackingStartDate;
    const day = (typeof tracking === 'number' ? new Date(tracking * 1000).toISOString() : String(tracking)).slice(0, 10);
    await expect(panel.getByTestId('last-use')).toContainText(`use before ${day} is unknown`);

    panel = await openKeyPanel(page, fresh);
    await expect(panel.getByTestId('last-use')).toHaveAttribute('data-state', 'never', { timeout: 30_000 });
    await expect(panel.getByTestId('last-use')).toContainText(/never used/i);
    await cli(EAST, ['kms', 'encrypt', '--key-id', fresh, '--plaintext', Buffer.from('hello').toString('base64')]);
    await panel.getByTestId('last-use-reload').click();
    await expect(panel.getByTestId('last-use')).toHaveAttribute('data-state', 'used', { timeout: 30_000 });
    await expect(panel.getByTestId('last-use')).toContainText('Encrypt');
  });
});
