// The local KMS peer and the AWS CLI v1, used as the independent source of truth for what the
// console shows. Nothing here goes through the console's own code.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const AWS_CLI = path.join(REPO_ROOT, '.venv', 'bin', 'aws');
export const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');

/** The per-key on-demand rotation limit (docs/kms.md §3.5 The on-demand limit: 25 per key). */
export const ON_DEMAND_LIMIT = 25;

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the end-to-end tests through scripts/test.sh`);
  }
  return value.replace(/\/+$/, '');
}

export const consoleUrl = (): string => requiredEnv('KEYTURN_URL');
export const peerUrl = (): string => requiredEnv('KEYTURN_PEER_URL');
/** The same peer under another host name (another origin; scripts/test.sh allows it in the CSP). */
export const peerUrlAlias = (): string => peerUrl().replace('://127.0.0.1:', '://localhost:');

/** Session credentials in the shape `aws sts assume-role` prints. */
export interface StsCredentials {
  Credentials: {
    AccessKeyId: string;
    SecretAccessKey: string;
    SessionToken: string;
    Expiration: string;
  };
  AssumedRoleUser?: { AssumedRoleId?: string; Arn?: string };
  [key: string]: unknown;
}

function asStsCredentials(value: unknown, what: string): StsCredentials {
  const creds = (value as StsCredentials | undefined)?.Credentials;
  if (!creds || !creds.AccessKeyId || !creds.SecretAccessKey || !creds.SessionToken) {
    throw new Error(`${what} did not return sts assume-role shaped credentials: ${JSON.stringify(value)}`);
  }
  return value as StsCredentials;
}

async function peerFetch(pathname: string, init?: RequestInit): Promise<unknown> {
  const url = `${peerUrl()}${pathname}`;
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${init?.method ?? 'GET'} ${url} -> ${response.status}: ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

/** The current session credentials of the peer's test role. */
export async function peerCredentials(): Promise<StsCredentials> {
  return asStsCredentials(await peerFetch('/_keyturn/credentials'), 'GET /_keyturn/credentials');
}

/** Options of `POST /_keyturn/reset` (peer/README.md); each one left out keeps its start-up value. */
export interface ResetOptions {
  /** `demo` (the four-account organisation, the default here) or `none`. */
  seed?: 'demo' | 'none';
  /** Extra, empty accounts in the organisation (ListAccounts past its first page). */
  org_extra?: number;
  /** Extra keys `alias/fleet-NNNN` in each of {A, B, C} x {us-east-1, us-west-2}. */
  bulk_fleet?: number;
  /** Extra symmetric keys `alias/bulk-NNNN`, plus `alias/bulk-history` (110 rotations). */
  bulk?: number;
  /** How long an on-demand rotation stays in progress. */
  rotation_seconds?: number;
  /** Eventual consistency: reads see a rotation, or a rotation setting change, this much later. */
  consistency_seconds?: number;
  /** Throttle at KMS's default request quotas (docs/kms.md §4.1 The quotas). */
  quotas?: boolean;
  /** Multiplies every quota (0.1: ten times fewer requests per second). */
  quota_scale?: number;
  /**
   * Sessions issued by AssumeRole expire this many seconds after they are issued (when sooner
   * than asked); 0 turns it off. The peer's own session (credentials.json) is not affected.
   */
  assume_role_seconds?: number;
}

/**
 * Re-seeds the demo fleet; old credentials stop working, so the fresh ones are returned.
 * Also clears faults, quota buckets and the request log.
 */
export async function resetPeer(options: ResetOptions = {}): Promise<StsCredentials> {
  const body = await peerFetch('/_keyturn/reset', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ seed: 'demo', ...options }),
  });
  if ((body as StsCredentials | null)?.Credentials) {
    return asStsCredentials(body, 'POST /_keyturn/reset');
  }
  return peerCredentials();
}

/** `GET /_keyturn/health`: the options the peer runs with now (docs/peer.md "Control endpoints"). */
export async function peerHealth(): Promise<Record<string, unknown>> {
  return (await peerFetch('/_keyturn/health')) as Record<string, unknown>;
}

/** Credentials that are already expired and that the peer rejects. */
export async function expiredCredentials(): Promise<StsCredentials> {
  return asStsCredentials(await peerFetch('/_keyturn/expire', { method: 'POST' }), 'POST /_keyturn/expire');
}

/** The account id of the session, taken from the assumed-role ARN. */
export function accountOf(creds: StsCredentials): string {
  const arn = creds.AssumedRoleUser?.Arn ?? '';
  const account = arn.split(':')[4];
  if (!account) throw new Error(`no AssumedRoleUser.Arn in the peer credentials: ${JSON.stringify(creds)}`);
  return account;
}

/** The secret strings that must never be shown or stored (unless the user opts in). */
export function secretsOf(creds: StsCredentials): string[] {
  return [creds.Credentials.SecretAccessKey, creds.Credentials.SessionToken];
}

/** Everything credential-like, including the access key id (for storage and URL checks). */
export function credentialStringsOf(creds: StsCredentials): string[] {
  return [creds.Credentials.AccessKeyId, ...secretsOf(creds)];
}

function cliEnv(creds: StsCredentials, region: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: creds.Credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.Credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: creds.Credentials.SessionToken,
    AWS_DEFAULT_REGION: region,
    // Keep the host's own AWS configuration out of the cross-checks.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
  };
}

/**
 * Runs `aws <args> --region R --endpoint-url PEER --output json` with the session credentials in
 * the environment and returns the parsed JSON (null for commands that print nothing).
 */
export async function awsCli(creds: StsCredentials, region: string, args: string[]): Promise<any> {
  const full = [...args, '--region', region, '--endpoint-url', peerUrl(), '--output', 'json'];
  try {
    const { stdout } = await execFileAsync(AWS_CLI, full, {
      cwd: REPO_ROOT,
      env: cliEnv(creds, region),
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim() ? JSON.parse(stdout) : null;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`aws ${full.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** Runs a command line as given (argv[0] must be `aws`), e.g. the console's "Copy as AWS CLI". */
export async function runCopiedCli(creds: StsCredentials, argv: string[]): Promise<string> {
  if (argv[0] !== 'aws') throw new Error(`not an aws command: ${argv.join(' ')}`);
  try {
    const { stdout } = await execFileAsync(AWS_CLI, argv.slice(1), {
      cwd: REPO_ROOT,
      env: cliEnv(creds, 'us-east-1'),
      timeout: 60_000,
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${argv.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** `aws kms list-keys`: every key id of the region, sorted (the CLI follows the pages itself). */
export async function cliKeyIds(creds: StsCredentials, region: string): Promise<string[]> {
  const out = await awsCli(creds, region, ['kms', 'list-keys']);
  return (out.Keys as { KeyId: string }[]).map((k) => k.KeyId).sort();
}

/** ON_DEMAND entries in every `aws kms list-key-rotations` page of a key. */
export async function cliOnDemandCount(creds: StsCredentials, region: string, keyId: string): Promise<number> {
  const out = await awsCli(creds, region, ['kms', 'list-key-rotations', '--key-id', keyId]);
  return (out.Rotations as { RotationType?: string }[]).filter((r) => r.RotationType === 'ON_DEMAND').length;
}

export interface CliRotationStatus {
  KeyRotationEnabled: boolean;
  RotationPeriodInDays?: number;
  NextRotationDate?: string;
  OnDemandRotationStartDate?: string;
}

export async function cliRotationStatus(creds: StsCredentials, region: string, keyId: string): Promise<CliRotationStatus> {
  return awsCli(creds, region, ['kms', 'get-key-rotation-status', '--key-id', keyId]);
}

/**
 * Remaining on-demand rotations as docs/kms.md §3.6 Counting the rotations left defines them: the
 * limit minus the ON_DEMAND entries, minus one while a rotation is in progress.
 */
export async function cliRemaining(creds: StsCredentials, region: string, keyId: string): Promise<number> {
  const done = await cliOnDemandCount(creds, region, keyId);
  const status = await cliRotationStatus(creds, region, keyId);
  const inProgress = status.OnDemandRotationStartDate ? 1 : 0;
  return Math.max(0, ON_DEMAND_LIMIT - done - inProgress);
}

/** A failure the peer gives instead of its normal answer (peer/keyturn_peer/faults.py). */
export interface Fault {
  /** The KMS operation (X-Amz-Target suffix), STS Action or `ListAccounts`, e.g. DescribeKey. */
  operation: string;
  /**
   * `throttle`: ThrottlingException, nothing done. `internal-after`: done, then a 500.
   * `html-502`: an HTML 502 page, nothing done. `bad-body`: done, then 200 with a body that is not
   * JSON. `drop-after`: done, then the connection is closed without an answer (a network error).
   * `cut-body`: done, then a 200 whose body the connection drops half way.
   * `slow`: done, answered after `delay_ms`. `no-date-cors`: the normal answer, but `Date` is not
   * in Access-Control-Expose-Headers. `no-cors`: the normal answer without any CORS header, so
   * the browser sees a network error (with ListAccounts: "could not reach Organizations").
   */
  fault: 'throttle' | 'internal-after' | 'html-502' | 'bad-body' | 'drop-after' | 'cut-body' | 'slow' | 'no-date-cors' | 'no-cors';
  /** How many requests get it (default 1). */
  count?: number;
  /** Only requests for this KeyId. */
  key_id?: string;
  /** `slow` only: how long the answer waits, in ms (default 35000, past a 30 s fetch timeout). */
  delay_ms?: number;
}

/** Makes the peer answer the next matching requests with a fault; a reset clears them. */
export async function addFault(fault: Fault): Promise<void> {
  await peerFetch('/_keyturn/faults', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(fault),
  });
}

/** The faults not used up yet. */
export async function pendingFaults(): Promise<Array<Fault & { remaining: number }>> {
  return ((await peerFetch('/_keyturn/faults')) as { pending: Array<Fault & { remaining: number }> }).pending;
}

/** One AWS request the peer received and authenticated (`GET /_keyturn/requests`). */
export interface PeerRequest {
  /** The KMS operation or STS Action. */
  operation: string;
  /** The KeyId as sent (key ID, key ARN or alias), or null. */
  key_id: string | null;
  account: string;
  region: string;
  /** The access key id the request was signed with (which session signed it). */
  access_key_id: string;
  /** The HTTP status answered (for `drop-after`: the one that was not sent). */
  status: number;
  /** The fault applied to it, or null. */
  fault: Fault['fault'] | null;
  /** The error code answered (e.g. ThrottlingException, also when a quota refused it), or null. */
  error: string | null;
  request_id: string;
  /** When the peer handled it, in epoch seconds. */
  at: number;
  /** AssumeRole only: the RoleArn sent. */
  role_arn: string | null;
  /** AssumeRole only: the session issued (its access key id, its expiry in epoch seconds). */
  issued: { access_key_id: string; expiration: number } | null;
}

/**
 * The requests the peer received since the last reset (or clearPeerRequests), oldest first.
 * `key_id` matches the value sent, or the key ARN that ends in it.
 */
export async function peerRequests(filter: { operation?: string; key_id?: string } = {}): Promise<PeerRequest[]> {
  const query = new URLSearchParams();
  if (filter.operation) query.set('operation', filter.operation);
  if (filter.key_id) query.set('key_id', filter.key_id);
  const suffix = query.toString() ? `?${query.toString()}` : '';
  return ((await peerFetch(`/_keyturn/requests${suffix}`)) as { requests: PeerRequest[] }).requests;
}

/** Empties the peer's request log. */
export async function clearPeerRequests(): Promise<void> {
  await peerFetch('/_keyturn/requests', { method: 'DELETE' });
}
