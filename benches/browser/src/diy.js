// The DIY app: what a team writes in an afternoon on the official SDK. One KMSClient per scope
// (account × region) with the SDK's defaults ("standard" retries, 3 attempts) and the custom
// endpoint URL (`{region}` in it replaced by the scope's Region: one host per Region, as on AWS);
// other accounts through STS AssumeRole on the home Region's URL. Per scope: every ListKeys
// and ListAliases page, then DescribeKey, GetKeyRotationStatus and every ListKeyRotations page of
// each key, 8 requests in flight (a simple promise pool).
import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  paginateListAliases,
  paginateListKeyRotations,
  paginateListKeys,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { endpointFor, HOME_REGION, pool, Tally } from './common.js';

const IN_FLIGHT = 8;

/** Counts every HTTP attempt (retries included): the deserialize step runs once per attempt. */
function counted(client, tally) {
  client.middlewareStack.add(
    (next) => async (args) => {
      tally.attempts++;
      try {
        return await next(args);
      } catch (e) {
        tally.failedAttempt(e?.name ?? 'Error');
        throw e;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'benchAttemptCounter' },
  );
  return client;
}

function sdkCredentials(c) {
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration ? new Date(c.Expiration) : undefined,
  };
}

/** One call as the user sees it: its answer, or null and one error counted. */
async function call(tally, fn) {
  try {
    return await fn();
  } catch (e) {
    tally.failedCall(e?.name ?? 'Error');
    return null;
  }
}

async function loadScope(scope, credentials, cfg, tally) {
  const started = performance.now();
  const kms = counted(
    new KMSClient({
      region: scope.region,
      endpoint: endpointFor(cfg.endpoint, scope.region),
      credentials,
      maxAttempts: 3,
      retryMode: 'standard',
    }),
    tally,
  );
  const keys = [];
  const aliases = [];
  await Promise.all([
    call(tally, async () => {
      for await (const page of paginateListKeys({ client: kms, pageSize: 1000 }, { Limit: 1000 })) {
        keys.push(...(page.Keys ?? []));
      }
    }),
    call(tally, async () => {
      for await (const page of paginateListAliases({ client: kms, pageSize: 100 }, { Limit: 100 })) {
        aliases.push(...(page.Aliases ?? []));
      }
    }),
  ]);
  const rows = keys.map((k) => ({ id: k.KeyId, aliases: aliases.filter((a) => a.TargetKeyId === k.KeyId).map((a) => a.AliasName) }));
  const tasks = [];
  for (const row of rows) {
    tasks.push(async () => {
      row.metadata = (await call(tally, () => kms.send(new DescribeKeyCommand({ KeyId: row.id }))))?.KeyMetadata;
    });
    tasks.push(async () => {
      row.rotation = await call(tally, () => kms.send(new GetKeyRotationStatusCommand({ KeyId: row.id })));
    });
    tasks.push(async () => {
      await call(tally, async () => {
        const rotations = [];
        for await (const page of paginateListKeyRotations({ client: kms, pageSize: 1000 }, { KeyId: row.id, Limit: 1000 })) {
          rotations.push(...(page.Rotations ?? []));
        }
        row.rotations = rotations;
      });
    });
  }
  await pool(tasks, cfg.inFlight ?? IN_FLIGHT);
  kms.destroy();
  return { account: scope.account, region: scope.region, keys: rows.length, ms: performance.now() - started, rows };
}

/** Loads every scope; cfg: {endpoint (may hold `{region}`), credentials (STS JSON), scopes: [{account, region}], roleName, sessionName}. */
export async function diyLoad(cfg) {
  const tally = new Tally();
  const started = performance.now();
  const base = sdkCredentials(cfg.credentials.Credentials ?? cfg.credentials);
  const sts = counted(new STSClient({ region: HOME_REGION, endpoint: endpointFor(cfg.endpoint, HOME_REGION), credentials: base, maxAttempts: 3 }), tally);
  const me = await sts.send(new GetCallerIdentityCommand({}));
  const assumed = new Map();
  const credentialsFor = (account) => {
    if (!account || account === me.Account) return Promise.resolve(base);
    if (!assumed.has(account)) {
      assumed.set(
        account,
        sts
          .send(
            new AssumeRoleCommand({
              RoleArn: `arn:aws:iam::${account}:role/${cfg.roleName}`,
              RoleSessionName: cfg.sessionName,
              DurationSeconds: 3600,
            }),
          )
          .then((out) => sdkCredentials(out.Credentials)),
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
  sts.destroy();
  return tally.result(performance.now() - started, scopes, me.Account);
}
