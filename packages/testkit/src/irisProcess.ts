import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { testEnvironment } from './scratchDatabase.js';

export interface IrisProcess {
  child: ChildProcess;
  /** The gateway's GraphQL URL, read from the start-up banner. */
  url: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output: () => string;
  /** Resolves with the exit code and the milliseconds between the last `stop`/`kill` and the exit. */
  exited: Promise<{ code: number | null; ms: number }>;
  /** Sends a signal (SIGTERM by default) and waits for the exit. */
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; ms: number }>;
}

// The repository root, where `server/src/main.ts` is (this file is packages/testkit/src/irisProcess.ts).
const ROOT = new URL('../../..', import.meta.url).pathname;

/**
 * The real entry point (`pnpm start`'s `server/src/main.ts`) in a child process, on free
 * ports, with in-memory data and the demo tenant unless `env` says otherwise. Resolves once the
 * banner shows the gateway's URL.
 */
export async function startIrisProcess(env: Record<string, string | undefined> = {}, timeoutMs = 120_000): Promise<IrisProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...testEnvironment(),
      LOG_LEVEL: 'info',
      IRIS_DATA_DIR: 'memory',
      SEED_DEMO_DATA: 'true',
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  let signalledAt = Date.now();
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, ms: Date.now() - signalledAt })),
  );
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    signalledAt = Date.now();
    if (child.exitCode === null) child.kill(signal);
    return exited;
  };
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    const ready = /Iris is ready in [\d.]+s: (\S+)/.exec(output);
    if (ready) return { child, url: ready[1]!, output: () => output, exited, stop };
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`Iris did not start:\n${output}`);
}
