// Issue 3, item 6: "Copy as AWS CLI" (and the copied command really works against the peer), the
// request log with expandable rows, and secrets never reaching the page.
import { expect, test } from '@playwright/test';
import { useDemoFleet } from './support/demo';
import { cliOnDemandCount, consoleUrl, peerUrl, runCopiedCli, secretsOf } from './support/peer';
import { expectNoneOf, openKeyPanel, pageContents, requestLog } from './support/ui';

// The copied command is run for real: start each test from the seeded demo fleet.
const demo = useDemoFleet('each');

/** Splits a shell command line as the console prints it (continuations, simple quotes). */
function argv(command: string): string[] {
  return command
    .replace(/\\\r?\n/g, ' ')
    .trim()
    .split(/\s+/)
    .map((t) => t.replace(/^(['"])(.*)\1$/, '$2'));
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

test('"Copy as AWS CLI" gives a rotate-key-on-demand command that works against the same endpoint', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(consoleUrl()).origin });
  await demo.connected(page);
  const key = demo.fleet.plainRotatable();
  const panel = await openKeyPanel(page, key.KeyId);

  const rotateCommand = page.getByTestId('cli-command').filter({ hasText: 'rotate-key-on-demand' }).first();
  const readClipboard = () => page.evaluate(() => navigator.clipboard.readText());
  await page.evaluate(() => navigator.clipboard.writeText(''));
  // "Copy as AWS CLI" for Rotate now (if there are several copy buttons, the one that copies it).
  const buttons = panel.getByTestId('copy-cli');
  await expect(buttons.first(), 'no "copy-cli" in the key panel').toBeVisible();
  for (let i = 0; i < (await buttons.count()); i++) {
    await buttons.nth(i).click();
    await expect.poll(readClipboard, { message: 'nothing was copied' }).not.toBe('');
    if ((await readClipboard()).includes('rotate-key-on-demand')) break;
  }
  await expect(rotateCommand, 'no "cli-command" with aws kms rotate-key-on-demand').toBeVisible();
  const text = (await rotateCommand.innerText()).trim();
  const args = argv(text);
  expect(args.slice(0, 3)).toEqual(['aws', 'kms', 'rotate-key-on-demand']);
  expect([key.KeyId, key.KeyArn]).toContain(option(args, '--key-id'));
  expect(option(args, '--region')).toBe('us-east-1');
  expect(option(args, '--endpoint-url')?.replace(/\/+$/, '')).toBe(peerUrl());
  expectNoneOf(text, secretsOf(demo.creds), 'the CLI command');

  expect(argv(await readClipboard()), 'the clipboard does not hold the shown command').toEqual(args);

  // The command is right: the real AWS CLI runs it and the peer counts one more rotation.
  const before = await cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId);
  await runCopiedCli(demo.creds, args);
  await expect.poll(() => cliOnDemandCount(demo.creds, 'us-east-1', key.KeyId), { timeout: 90_000 }).toBe(before + 1);
});

test('the request log lists each request and expands to the redacted signed request and the response', async ({ page }) => {
  const seen = await demo.connected(page);
  const key = demo.fleet.plainRotatable();
  await openKeyPanel(page, key.KeyId);
  const log = await requestLog(page);
  const rows = log.getByTestId('request-log-row');
  await expect.poll(() => rows.count(), { message: 'request log rows' }).toBeGreaterThanOrEqual(3);
  await expect(rows.filter({ hasText: 'ListKeys' }).first()).toBeVisible();
  const describe = rows.filter({ hasText: 'DescribeKey' }).filter({ hasText: key.KeyId }).first();
  await expect(describe, 'no DescribeKey row naming the key').toBeVisible();
  await expect(describe).toContainText(/\b200\b/);
  // Duration and request id (the peer sends x-amzn-RequestId, exposed by CORS).
  await expect(describe).toContainText(/\d+\s*ms/);

  // Expand it.
  const tag = await describe.evaluate((el) => el.tagName.toLowerCase());
  if (tag === 'details') await describe.locator('summary').first().click();
  else await describe.click();
  await expect(log, 'the expanded row shows no Authorization header').toContainText(/authorization/i);
  const expanded = await log.innerText();
  expect(expanded, 'the signed request headers are not shown').toMatch(/x-amz-date/i);
  expect(expanded, 'the session token header is not listed (redacted)').toMatch(/x-amz-security-token/i);
  expect(expanded, 'the response body is not shown').toContain('KeyMetadata');
  expect(expanded, 'the request body is not shown').toContain(`"KeyId"`);
  expect(expanded).not.toMatch(/Signature=[0-9a-f]{64}/);

  // Neither the secret, the token nor any request signature appears anywhere in the page.
  const signatures = seen
    .map((r) => /Signature=([0-9a-f]{64})/.exec(r.headers['authorization'] ?? '')?.[1])
    .filter((s): s is string => !!s);
  expect(signatures.length, 'no signed requests were seen').toBeGreaterThan(0);
  const contents = await pageContents(page);
  expectNoneOf(contents, secretsOf(demo.creds), 'the page (text, attributes, form values)');
  expectNoneOf(contents, signatures, 'the page (a request signature)');
});
