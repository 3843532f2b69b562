// Shared by the DIY app and the raw floor: the promise pool and the counts each run reports.

/** Runs `tasks` (functions returning promises), at most `n` at a time, in order. */
export async function pool(tasks, n) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
}

/** The home Region: STS (GetCallerIdentity, AssumeRole) goes to its host, as in the console. */
export const HOME_REGION = 'us-east-1';

/**
 * A Region's endpoint URL from the configured one: `{region}` in it names each Region's host
 * (`http://{region}.localhost:4621` -> `http://us-west-2.localhost:4621`, one host per Region as
 * on AWS); a URL without it is every Region's.
 */
export const endpointFor = (template, region) => template.replaceAll('{region}', region);

export const isThrottling = (code) => /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/i.test(code ?? '');

export class Tally {
  constructor() {
    /** HTTP requests sent (every attempt, retries included). */
    this.attempts = 0;
    /** Attempts answered with an error (retried or not), by error code. */
    this.attemptErrors = {};
    /** Calls that failed for the user (after any retries), by error code. */
    this.callErrors = {};
  }

  failedAttempt(code) {
    this.attemptErrors[code] = (this.attemptErrors[code] ?? 0) + 1;
  }

  failedCall(code) {
    this.callErrors[code] = (this.callErrors[code] ?? 0) + 1;
  }

  result(ms, scopes, account) {
    const sum = (o, pred = () => true) => Object.entries(o).reduce((n, [k, v]) => n + (pred(k) ? v : 0), 0);
    const complete = (r) => r.metadata && r.rotation && r.rotations;
    return {
      ms,
      account,
      keys: scopes.reduce((n, s) => n + s.keys, 0),
      /** Keys with all three answers (DescribeKey, GetKeyRotationStatus, ListKeyRotations). */
      complete: scopes.reduce((n, s) => n + s.rows.filter(complete).length, 0),
      requests: this.attempts,
      errors: sum(this.callErrors),
      throttleErrors: sum(this.callErrors, isThrottling),
      throttledAttempts: sum(this.attemptErrors, isThrottling),
      errorsByCode: this.callErrors,
      scopes: scopes.map((s) => ({ account: s.account, region: s.region, keys: s.keys, ms: s.ms, failed: !!s.failed })),
    };
  }
}
