import type { ChildProcess } from 'node:child_process';

/** Sends `{ type }` to a benchmark's child process and resolves with its first reply of type `answer`. */
export function ask<T = unknown>(child: ChildProcess, type: string, answer: string = type): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== answer) return;
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}
