// End-to-end tests of the built console (dist/ served as static files) against the local KMS peer.
// scripts/test.sh sets KEYTURN_URL and KEYTURN_PEER_URL; the tests fail with a clear message when
// they are missing (listing the tests with `npx playwright test --list` needs neither).
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  // One shared peer that the tests reset, on a 2-core machine: run serially and never retry, so a
  // flaky behaviour shows as a failure instead of being hidden.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  // Generous for a slow machine; no test asserts how fast anything is.
  timeout: 180_000,
  expect: { timeout: 20_000 },
  use: {
    baseURL: process.env.KEYTURN_URL,
    viewport: { width: 1280, height: 900 },
    actionTimeout: 20_000,
    navigationTimeout: 60_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    video: 'off',
    launchOptions: {
      // Debian's Chromium; Playwright's own browser download is skipped.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
