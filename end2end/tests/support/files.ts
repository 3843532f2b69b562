// Running the Python oracles of support/ and saving the console's downloads, for every spec.
import { Page, TestInfo } from '@playwright/test';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PYTHON, REPO_ROOT } from './peer';

const execFileAsync = promisify(execFile);

/** Runs support/`script` with the repository's .venv python and returns what it printed. */
export async function runPython(script: string, args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<string> {
  try {
    const { stdout } = await execFileAsync(PYTHON, [path.join(__dirname, script), ...args], {
      cwd: REPO_ROOT,
      timeout,
      maxBuffer: 64 * 1024 * 1024,
      env,
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${script} ${args[0]} failed: ${e.stderr || e.message}`);
  }
}

/** Clicks a test id and saves the download it starts under the test's output directory. */
export async function download(page: Page, testId: string, testInfo: TestInfo): Promise<{ file: string; name: string; text: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId(testId).click()]);
  const name = dl.suggestedFilename();
  const file = testInfo.outputPath(name);
  await dl.saveAs(file);
  return { file, name, text: fs.readFileSync(file, 'utf8') };
}

/** support/exports.py's check of an export file, and the rows or document it read. */
export async function parseExport<T>(kind: 'csv' | 'results-csv' | 'json', file: string): Promise<T> {
  return JSON.parse(await runPython('exports.py', [kind, file], { PATH: process.env.PATH, HOME: process.env.HOME }, 60_000)) as T;
}
