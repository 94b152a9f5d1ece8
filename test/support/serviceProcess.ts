import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { testEnvironment } from './scratchDatabase.js';

export interface ServiceProcess {
  child: ChildProcess;
  /** Where the service answers, read from its start-up line. */
  url: string;
  output: () => string;
  /** Sends a signal (SIGTERM by default: a graceful stop) and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * Runs `pnpm start:<service>`'s entry point (server/src/serve.ts) in a child process with
 * exactly the test environment and `env` (none of this process's Iris variables leak in). Resolves
 * with the process once it prints that it is ready; rejects with its output if it exits first.
 */
export async function startServiceProcess(service: string, env: Record<string, string>, timeoutMs = 120_000): Promise<ServiceProcess> {
  const { child, output, exited } = spawnService(service, env);
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    const ready = new RegExp(`Iris ${service} is ready in [\\d.]+s: (\\S+)`).exec(output());
    if (ready) {
      const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return (await exited).code;
      };
      return { child, url: ready[1]!, output, stop };
    }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${service} did not start:\n${output()}`);
}

/** Runs the entry point and resolves with its exit code and output (for services that refuse to start). */
export async function runServiceProcess(service: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { output, exited } = spawnService(service, env);
  return { code: (await exited).code, output: output() };
}

function spawnService(service: string, env: Record<string, string>) {
  // Only the system's variables: an Iris variable set for the test runner must not configure the child.
  const system = Object.fromEntries(['PATH', 'HOME', 'TMPDIR', 'LANG'].filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/serve.ts', service], {
    cwd: ROOT,
    env: { ...system, ...testEnvironment(), LOG_LEVEL: 'warn', IRIS_DATA_DIR: 'memory', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  const exited = new Promise<{ code: number | null }>((resolve) => child.once('exit', (code) => resolve({ code })));
  return { child, output: () => text, exited };
}
