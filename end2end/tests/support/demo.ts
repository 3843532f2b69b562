// The seeded demo fleet a spec starts from, and "connect, then wait for every key".
import { Page, test } from '@playwright/test';
import { Fleet, loadFleet } from './fleet';
import { resetPeer, StsCredentials } from './peer';
import { connect, SeenRequest, trackAwsRequests, waitForInventory } from './ui';

export interface Demo {
  /** The session credentials the peer issued at the last reset. */
  readonly creds: StsCredentials;
  /** The fleet as the AWS CLI reads it after that reset. */
  readonly fleet: Fleet;
  /** Connects with `creds` and waits for every key of the fleet; returns the AWS requests the
   *  page sends from the start of the call. */
  connected(page: Page): Promise<SeenRequest[]>;
}

/**
 * Resets the peer to the demo fleet before each test (`'each'`: for tests that change KMS state)
 * or once for the file (`'all'`: for tests that only read), then reads the fleet with the AWS CLI.
 */
export function useDemoFleet(when: 'each' | 'all', options: Parameters<typeof resetPeer>[0] = {}): Demo {
  let state: { creds: StsCredentials; fleet: Fleet } | undefined;
  const hook = when === 'each' ? test.beforeEach : test.beforeAll;
  hook(async () => {
    const creds = await resetPeer(options);
    state = { creds, fleet: await loadFleet(creds) };
  });
  const current = () => {
    if (!state) throw new Error('useDemoFleet: the fleet is set up by a before hook, read it inside a test');
    return state;
  };
  return {
    get creds() {
      return current().creds;
    },
    get fleet() {
      return current().fleet;
    },
    async connected(page: Page): Promise<SeenRequest[]> {
      const seen = trackAwsRequests(page);
      await connect(page, current().creds);
      await waitForInventory(page, current().fleet.ids());
      return seen;
    },
  };
}
