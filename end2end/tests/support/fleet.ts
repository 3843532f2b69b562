// The demo fleet as the test role sees it through the peer (read with boto3 in one process; see
// fleet.py). Tests pick keys by their properties, so they do not depend on generated key ids.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { awsCli, PYTHON, REPO_ROOT, StsCredentials, ON_DEMAND_LIMIT, peerUrl } from './peer';

const execFileAsync = promisify(execFile);

export interface FleetKey {
  KeyId: string;
  KeyArn: string;
  Region: string;
  Aliases: { AliasName: string; AliasArn: string }[];
  Errors: Record<string, string>;
  Metadata?: {
    KeyManager: string;
    KeySpec: string;
    KeyUsage: string;
    Origin: string;
    KeyState: string;
    Description: string;
    MultiRegion: boolean | null;
    CustomKeyStoreId: string | null;
    MultiRegionKeyType: string | null;
    PrimaryRegion: string | null;
    PrimaryArn: string | null;
  };
  RotationStatus?: {
    KeyRotationEnabled: boolean;
    RotationPeriodInDays: number | null;
    InProgress: boolean;
    /** Epoch seconds. */
    NextRotationDate: number | null;
  };
  OnDemandCount?: number;
  RotationCount?: number;
}

export const XSS_DESCRIPTION = '<img src=x onerror=alert(1)>';

/** A human name for failure messages. */
export function label(key: FleetKey): string {
  return `${key.Aliases[0]?.AliasName ?? '(no alias)'} ${key.KeyId} in ${key.Region}`;
}

export function isDenied(key: FleetKey): boolean {
  return Object.values(key.Errors).some((code) => /AccessDenied/i.test(code));
}

export function isAwsManaged(key: FleetKey): boolean {
  return key.Metadata?.KeyManager === 'AWS';
}

/** Eligible for RotateKeyOnDemand by docs/kms.md §3.3 keyturn's gate (imported keys excluded). */
export function isPlainRotatable(key: FleetKey): boolean {
  const m = key.Metadata;
  return (
    !!m &&
    !isDenied(key) &&
    m.KeyManager === 'CUSTOMER' &&
    m.KeySpec === 'SYMMETRIC_DEFAULT' &&
    m.Origin === 'AWS_KMS' &&
    !m.CustomKeyStoreId &&
    m.KeyState === 'Enabled' &&
    m.MultiRegionKeyType !== 'REPLICA' &&
    key.OnDemandCount !== undefined &&
    key.OnDemandCount < ON_DEMAND_LIMIT &&
    !key.RotationStatus?.InProgress
  );
}

/** Automatic rotation due within the next hour (the peer's ConflictException window is 20 min). */
export function dueSoon(key: FleetKey): boolean {
  const next = key.RotationStatus?.NextRotationDate;
  return !!key.RotationStatus?.KeyRotationEnabled && next != null && next - Date.now() / 1000 < 3600;
}

/**
 * A plain rotatable key: single-Region, with an alias, at most 20 rotations used, no rotation due
 * soon and no markup in its description, so a test about something else reads plainly.
 */
export function isPlain(key: FleetKey): boolean {
  return (
    isPlainRotatable(key) &&
    key.Aliases.length > 0 &&
    !key.Metadata?.MultiRegion &&
    !key.Metadata?.MultiRegionKeyType &&
    (key.OnDemandCount ?? 0) <= 20 &&
    !dueSoon(key) &&
    !(key.Metadata?.Description ?? '').includes('<')
  );
}

export class Fleet {
  constructor(readonly regions: Record<string, FleetKey[]>) {}

  keys(region = 'us-east-1'): FleetKey[] {
    const keys = this.regions[region];
    if (!keys) throw new Error(`the fleet was not read for ${region}`);
    return keys;
  }

  ids(region = 'us-east-1'): string[] {
    return this.keys(region).map((k) => k.KeyId).sort();
  }

  byId(id: string): FleetKey {
    for (const keys of Object.values(this.regions)) {
      const key = keys.find((k) => k.KeyId === id);
      if (key) return key;
    }
    throw new Error(`no key ${id} in the fleet`);
  }

  /** The first key matching `pred`, or a failure naming what the demo fleet lacks. */
  pick(what: string, pred: (key: FleetKey) => boolean, region = 'us-east-1'): FleetKey {
    const key = this.keys(region).find(pred);
    if (!key) {
      throw new Error(
        `the demo fleet in ${region} has no ${what}; keys seen: ` +
          this.keys(region)
            .map((k) => `${label(k)} ${JSON.stringify({ ...k.Metadata, OnDemandCount: k.OnDemandCount, Errors: k.Errors })}`)
            .join('; '),
      );
    }
    return key;
  }

  all(pred: (key: FleetKey) => boolean, region = 'us-east-1'): FleetKey[] {
    return this.keys(region).filter(pred);
  }

  // The kinds the demo fleet is seeded with (foundation issue, item 3).
  plainRotatable(): FleetKey {
    return this.pick('plain symmetric customer managed key with rotations left', isPlain);
  }
  autoRotationOff(): FleetKey {
    return this.pick(
      'plain key with automatic rotation off',
      (k) => isPlain(k) && k.RotationStatus?.KeyRotationEnabled === false,
    );
  }
  autoRotationOn(): FleetKey {
    return this.pick(
      'plain key with automatic rotation on',
      (k) => isPlain(k) && k.RotationStatus?.KeyRotationEnabled === true,
    );
  }
  /** Automatic rotation due within 20 minutes: RotateKeyOnDemand gets ConflictException. */
  autoRotationDueSoon(): FleetKey {
    return this.pick('key whose automatic rotation is due within 20 minutes', dueSoon);
  }
  /** Imported key material with new material pending: rotatable once. */
  importedPending(): FleetKey {
    return this.pick(
      'imported key with new key material pending rotation',
      (k) => k.Metadata?.Origin === 'EXTERNAL' && k.Metadata?.KeyState === 'Enabled',
    );
  }
  customKeyStore(): FleetKey {
    return this.pick(
      'key in a custom key store',
      (k) => !!k.Metadata?.CustomKeyStoreId || /CLOUDHSM|EXTERNAL_KEY_STORE/.test(k.Metadata?.Origin ?? ''),
    );
  }
  noAlias(): FleetKey {
    return this.pick('key without an alias', (k) => k.Aliases.length === 0 && !!k.Metadata);
  }
  used(count: number): FleetKey {
    return this.pick(
      `symmetric key with ${count} on-demand rotations used`,
      (k) =>
        k.OnDemandCount === count &&
        k.Metadata?.KeyState === 'Enabled' &&
        k.Metadata?.KeySpec === 'SYMMETRIC_DEFAULT' &&
        k.Metadata?.KeyManager === 'CUSTOMER',
    );
  }
  asymmetric(): FleetKey {
    return this.pick('asymmetric key', (k) => /^(RSA|ECC|SM2|ML_DSA|ML_KEM|ED25519)/.test(k.Metadata?.KeySpec ?? ''));
  }
  hmac(): FleetKey {
    return this.pick('HMAC key', (k) => /^HMAC/.test(k.Metadata?.KeySpec ?? ''));
  }
  /** Imported key with no key material yet (PendingImport): not rotatable. */
  imported(): FleetKey {
    return this.pick(
      'imported key waiting for key material (PendingImport)',
      (k) => k.Metadata?.Origin === 'EXTERNAL' && k.Metadata?.KeyState === 'PendingImport',
    );
  }
  disabled(): FleetKey {
    return this.pick('disabled key', (k) => k.Metadata?.KeyState === 'Disabled');
  }
  pendingDeletion(): FleetKey {
    return this.pick('key pending deletion', (k) => k.Metadata?.KeyState === 'PendingDeletion');
  }
  awsManaged(): FleetKey {
    return this.pick('AWS managed key', isAwsManaged);
  }
  denied(): FleetKey {
    return this.pick('key the test role may not read (AccessDenied)', isDenied);
  }
  mrkPrimary(): FleetKey {
    return this.pick('multi-Region primary key', (k) => k.Metadata?.MultiRegionKeyType === 'PRIMARY');
  }
  replica(): FleetKey {
    return this.pick('multi-Region replica key', (k) => k.Metadata?.MultiRegionKeyType === 'REPLICA', 'us-west-2');
  }
  xss(): FleetKey {
    return this.pick('key whose description holds the XSS probe', (k) =>
      (k.Metadata?.Description ?? '').includes(XSS_DESCRIPTION),
    );
  }
}

export async function loadFleet(creds: StsCredentials, regions = ['us-east-1', 'us-west-2']): Promise<Fleet> {
  const script = path.join(__dirname, 'fleet.py');
  try {
    const { stdout } = await execFileAsync(PYTHON, [script, peerUrl(), ...regions], {
      cwd: REPO_ROOT,
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
      env: sessionEnv(creds),
    });
    return new Fleet(JSON.parse(stdout));
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`reading the fleet with ${script} failed: ${e.stderr || e.message}`);
  }
}

// ---- The organisation's scopes (fleet.spec.ts): every (account, Region) pair the console can be
// pointed at, read with boto3 through the peer after assuming each account's role.

/** The demo organisation's accounts (docs/peer.md "The demo organisation"). */
export const ACCOUNT_A = '123456789012';
export const ACCOUNT_B = '210987654321';
export const ACCOUNT_C = '345678901234';
export const ACCOUNT_D = '456789012345';
export const DEFAULT_ROLE_NAME = 'OrganizationAccountAccessRole';

export const memberRoleArn = (account: string, roleName = DEFAULT_ROLE_NAME): string =>
  `arn:aws:iam::${account}:role/${roleName}`;

/** One account to read: with the test session itself (`roleArn` null) or a role assumed from it. */
export interface ScopeSpec {
  account: string;
  roleArn: string | null;
  externalId?: string;
  regions: string[];
  /** Also count every key's rotations (ListKeyRotations); off for large fleets. */
  rotations?: boolean;
}

export interface ScopeKey {
  KeyId: string;
  Aliases: string[];
  MultiRegionKeyType: 'PRIMARY' | 'REPLICA' | null;
  PrimaryRegion: string | null;
  RotationCount?: number;
  OnDemandCount?: number;
  RotationError?: string;
}

export interface ScopeListing {
  account: string;
  region: string;
  /** The AWS error code that stopped the read (AssumeRole or ListKeys), or null. */
  error: string | null;
  keys: ScopeKey[];
}

/** (account, Region, key id): how a row of a multi-scope inventory is told apart. */
export const rowId = (account: string, region: string, keyId: string): string => `${account}/${region}/${keyId}`;

/** The environment for a CLI or boto3 process signing with `creds` (no config files read). */
export function sessionEnv(creds: StsCredentials): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: creds.Credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.Credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: creds.Credentials.SessionToken,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

/** Lists the keys of every scope of `specs` with boto3 (fleet.py --scopes), one process. */
export async function listScopes(creds: StsCredentials, specs: ScopeSpec[]): Promise<ScopeListing[]> {
  const script = path.join(__dirname, 'fleet.py');
  const spec = specs.map((s) => ({
    account: s.account,
    role_arn: s.roleArn,
    external_id: s.externalId ?? null,
    regions: s.regions,
    rotations: !!s.rotations,
  }));
  try {
    const { stdout } = await execFileAsync(PYTHON, [script, '--scopes', peerUrl(), JSON.stringify(spec)], {
      cwd: REPO_ROOT,
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
      env: sessionEnv(creds),
    });
    return JSON.parse(stdout) as ScopeListing[];
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`reading the scopes with ${script} --scopes failed: ${e.stderr || e.message}`);
  }
}

/**
 * The scopes of the connected account (A, the test session) and of member accounts reached
 * through `roleName`, in every one of `regions`: what the console's scope editor chooses for
 * those bare account ids.
 */
export function scopeSpecs(
  regions: string[],
  members: string[],
  opts: { roleName?: string; externalId?: string; rotations?: boolean } = {},
): ScopeSpec[] {
  return [
    { account: ACCOUNT_A, roleArn: null, regions, rotations: opts.rotations },
    ...members.map((account) => ({
      account,
      roleArn: memberRoleArn(account, opts.roleName),
      externalId: opts.externalId,
      regions,
      rotations: opts.rotations,
    })),
  ];
}

/**
 * The rows the console must list for the scopes that loaded: every key of every scope read
 * without error, except a multi-Region replica whose primary's scope (same account, the
 * primary's Region) is among them: that set is listed once, on its primary's row.
 */
export function expectedRowIds(listings: ScopeListing[]): string[] {
  const loaded = new Set(listings.filter((l) => !l.error).map((l) => `${l.account}/${l.region}`));
  const out: string[] = [];
  for (const l of listings) {
    if (l.error) continue;
    for (const k of l.keys) {
      if (k.MultiRegionKeyType === 'REPLICA' && k.PrimaryRegion && loaded.has(`${l.account}/${k.PrimaryRegion}`)) continue;
      out.push(rowId(l.account, l.region, k.KeyId));
    }
  }
  return out.sort();
}

/** The key of one scope with this alias, or a failure naming what the scope holds. */
export function scopeKeyByAlias(listings: ScopeListing[], account: string, region: string, alias: string): ScopeKey {
  const scope = listings.find((l) => l.account === account && l.region === region);
  if (!scope) throw new Error(`scope ${account}/${region} was not read`);
  if (scope.error) throw new Error(`scope ${account}/${region} could not be read: ${scope.error}`);
  const key = scope.keys.find((k) => k.Aliases.includes(alias));
  if (!key) {
    throw new Error(`no ${alias} in ${account}/${region}; aliases there: ${scope.keys.flatMap((k) => k.Aliases).join(', ')}`);
  }
  return key;
}

/** `aws sts assume-role` through the peer with the test session: the role's session credentials. */
export async function assumeRole(creds: StsCredentials, roleArn: string, externalId?: string): Promise<StsCredentials> {
  const args = ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'keyturn-e2e-cli', '--duration-seconds', '3600'];
  if (externalId) args.push('--external-id', externalId);
  const out = (await awsCli(creds, 'us-east-1', args)) as StsCredentials;
  if (!out?.Credentials?.AccessKeyId) throw new Error(`aws sts assume-role ${roleArn} returned ${JSON.stringify(out)}`);
  return out;
}

/** The demo organisation as the peer seeded it (`GET /_keyturn/fleet`). */
export interface SeededFleet {
  management: string;
  organization_id: string;
  accounts: { id: string; name: string; role_arn: string; assumable: boolean; regions: string[]; key_counts: Record<string, number> }[];
  denied_regions: { account: string; region: string }[];
  external_id_role: { arn: string; external_id: string };
  multi_region_sets: { account: string; primary: { region: string; key_id: string }; replicas: { region: string; key_id: string }[] }[];
}

export async function seededFleet(): Promise<SeededFleet> {
  const response = await fetch(`${peerUrl()}/_keyturn/fleet`);
  if (!response.ok) throw new Error(`GET /_keyturn/fleet -> ${response.status}: ${await response.text()}`);
  return (await response.json()) as SeededFleet;
}

export interface OrgAccounts {
  accounts: { Id: string; Status: string; Name: string }[];
  /** How many ListAccounts pages boto3's paginator followed. */
  pages: number;
}

/** Organizations ListAccounts, every page, with boto3 through the peer. */
export async function orgAccounts(creds: StsCredentials): Promise<OrgAccounts> {
  const code = [
    'import boto3, json, sys',
    'from botocore.config import Config',
    'c = boto3.client("organizations", region_name="us-east-1", endpoint_url=sys.argv[1], config=Config(retries={"max_attempts": 1}))',
    'out, pages = [], 0',
    'for p in c.get_paginator("list_accounts").paginate():',
    '    pages += 1',
    '    out += [{"Id": a["Id"], "Status": a["Status"], "Name": a["Name"]} for a in p["Accounts"]]',
    'print(json.dumps({"accounts": out, "pages": pages}))',
  ].join('\n');
  const { stdout } = await execFileAsync(PYTHON, ['-c', code, peerUrl()], {
    cwd: REPO_ROOT,
    timeout: 60_000,
    env: sessionEnv(creds),
  });
  return JSON.parse(stdout) as OrgAccounts;
}
