import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** Where `redis-server` is installed, or null (tests that run their own Redis skip without it). */
export const redisServerPath: string | null = (() => {
  try {
    return execFileSync('which', ['redis-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
})();

/**
 * A redis-server of a test's own, on a free port, so the test can kill it (an outage) without touching
 * anyone else's. `args` adds options, e.g. an append-only file; the default keeps nothing on disk.
 */
export interface OwnRedis {
  readonly url: string;
  /** Whether it runs now. */
  readonly running: boolean;
  /** Starts it (again) on the same port and waits until it answers. */
  start(): Promise<void>;
  /** Kills it with SIGKILL, as a crash would, and waits for it to exit. */
  kill(): Promise<void>;
}

export async function ownRedis(args: string[] = ['--save', '', '--appendonly', 'no']): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return alive();
    },
    async start() {
      child = spawn(redisServerPath!, ['--port', String(port), '--bind', '127.0.0.1', ...args], { stdio: 'ignore' });
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      for (let i = 0; i < 100; i++) {
        const connected = await probe.connect().then(
          () => true,
          () => false,
        );
        if (connected) break;
        await sleep(100);
      }
      probe.disconnect();
    },
    async kill() {
      const running = child;
      if (!running || !alive()) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
