// The raw signed floor: the DIY app's loading logic without the SDK's client stack. Each request
// is signed with @smithy/signature-v4 (SHA-256 from @aws-crypto/sha256-js) and sent with fetch;
// no retries; every key's requests are queued at once, 32 in flight per scope (Chromium itself
// keeps at most 6 HTTP/1.1 connections per host, so that is the real cap). The fastest a correct
// signed load of the same data can be in this browser. Each Region's requests go to its own host
// (`{region}` in the endpoint URL), STS to the home Region's.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { endpointFor, HOME_REGION, pool, Tally } from './common.js';

const IN_FLIGHT = 32;

class AwsError extends Error {
  constructor(code, status, message) {
    super(`${code} (${status}): ${message}`);
    this.name = code;
  }
}

/** `com.amazon.coral.service#ExpiredTokenException:http://...` -> `ExpiredTokenException`. */
function errorCode(raw) {
  return String(raw ?? '').split(':')[0].split('#').pop() || 'UnknownError';
}

class RawClient {
  constructor(endpoint, region, credentials, tally) {
    this.url = new URL(endpoint);
    this.tally = tally;
    const creds = { accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken };
    const signer = (service) => new SignatureV4({ credentials: creds, region, service, sha256: Sha256, uriEscapePath: true, applyChecksum: false });
    this.kmsSigner = signer('kms');
    this.stsSigner = signer('sts');
  }

  async send(signer, headers, body) {
    const u = this.url;
    const signed = await signer.sign({
      method: 'POST',
      protocol: u.protocol,
      hostname: u.hostname,
      port: u.port ? Number(u.port) : undefined,
      path: u.pathname || '/',
      query: {},
      headers: { host: u.host, ...headers },
      body,
    });
    const { host: _host, ...send } = signed.headers;
    this.tally.attempts++;
    const response = await fetch(u.href, { method: 'POST', headers: send, body, credentials: 'omit' });
    const text = await response.text();
    if (!response.ok) {
      let code = response.headers.get('x-amzn-ErrorType');
      let message = text.slice(0, 200);
      try {
        const json = JSON.parse(text);
        code = code ?? json.__type ?? json.Error?.Code ?? json.ErrorResponse?.Error?.Code;
        message = json.message ?? json.Message ?? message;
      } catch {
        code = code ?? /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
      }
      const err = new AwsError(errorCode(code ?? `HTTP${response.status}`), response.status, message);
      this.tally.failedAttempt(err.name);
      throw err;
    }
    return text ? JSON.parse(text) : {};
  }

  kms(operation, input) {
    return this.send(
      this.kmsSigner,
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` },
      JSON.stringify(input),
    );
  }

  /** STS query API, answered as JSON (`Accept: application/json`, as real STS does). */
  async sts(action, params = {}) {
    const body = new URLSearchParams({ Action: action, Version: '2011-06-15', ...params }).toString();
    const out = await this.send(
      this.stsSigner,
      { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/json' },
      body,
    );
    return out[`${action}Response`]?.[`${action}Result`] ?? out;
  }
}

async function call(tally, fn) {
  try {
    return await fn();
  } catch (e) {
    tally.failedCall(e?.name ?? 'Error');
    return null;
  }
}

async function allPages(client, operation, input, field) {
  const items = [];
  let marker;
  do {
    const page = await client.kms(operation, marker ? { ...input, Marker: marker } : input);
    items.push(...(page[field] ?? []));
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return items;
}

async function loadScope(scope, credentials, cfg, tally) {
  const started = performance.now();
  const kms = new RawClient(endpointFor(cfg.endpoint, scope.region), scope.region, credentials, tally);
  const [keys, aliases] = await Promise.all([
    call(tally, () => allPages(kms, 'ListKeys', { Limit: 1000 }, 'Keys')),
    call(tally, () => allPages(kms, 'ListAliases', { Limit: 100 }, 'Aliases')),
  ]);
  const byKey = new Map();
  for (const a of aliases ?? []) {
    if (a.TargetKeyId) byKey.set(a.TargetKeyId, [...(byKey.get(a.TargetKeyId) ?? []), a.AliasName]);
  }
  const rows = (keys ?? []).map((k) => ({ id: k.KeyId, aliases: byKey.get(k.KeyId) ?? [] }));
  const tasks = [];
  for (const row of rows) {
    tasks.push(async () => {
      row.metadata = (await call(tally, () => kms.kms('DescribeKey', { KeyId: row.id })))?.KeyMetadata;
    });
    tasks.push(async () => {
      row.rotation = await call(tally, () => kms.kms('GetKeyRotationStatus', { KeyId: row.id }));
    });
    tasks.push(async () => {
      row.rotations = await call(tally, () => allPages(kms, 'ListKeyRotations', { KeyId: row.id, Limit: 1000 }, 'Rotations'));
    });
  }
  await pool(tasks, cfg.inFlight ?? IN_FLIGHT);
  return { account: scope.account, region: scope.region, keys: rows.length, ms: performance.now() - started, rows };
}

/** The same inputs and result as diyLoad. */
export async function floorLoad(cfg) {
  const tally = new Tally();
  const started = performance.now();
  const base = cfg.credentials.Credentials ?? cfg.credentials;
  const sts = new RawClient(endpointFor(cfg.endpoint, HOME_REGION), HOME_REGION, base, tally);
  const me = await sts.sts('GetCallerIdentity');
  const assumed = new Map();
  const credentialsFor = (account) => {
    if (!account || account === me.Account) return Promise.resolve(base);
    if (!assumed.has(account)) {
      assumed.set(
        account,
        sts
          .sts('AssumeRole', {
            RoleArn: `arn:aws:iam::${account}:role/${cfg.roleName}`,
            RoleSessionName: cfg.sessionName,
            DurationSeconds: '3600',
          })
          .then((out) => out.Credentials),
      );
    }
    return assumed.get(account);
  };
  const scopes = await Promise.all(
    cfg.scopes.map(async (scope) => {
      const creds = await call(tally, () => credentialsFor(scope.account));
      if (!creds) return { account: scope.account, region: scope.region, keys: 0, ms: 0, failed: true, rows: [] };
      return loadScope(scope, creds, cfg, tally);
    }),
  );
  return tally.result(performance.now() - started, scopes, me.Account);
}
