import { describe, expect, it } from 'vitest';
import { boundedQueue } from './boundedQueue.js';
import { returnPromptly } from './returnPromptly.js';

const overflow = () => new Error('too far behind');

describe('boundedQueue', () => {
  it('hands values to a waiting reader and buffers the rest in order', async () => {
    const queue = boundedQueue<number>({ maxBuffer: 10, overflow });
    const first = queue.next();
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    expect(await queue.next()).toEqual({ value: 3, done: false });
  });

  it('fails past its bound after what was buffered is read, and calls onClose once', async () => {
    let closes = 0;
    const queue = boundedQueue<number>({ maxBuffer: 2, overflow, onClose: () => (closes += 1) });
    expect([queue.push(1), queue.push(2), queue.push(3), queue.push(4)]).toEqual([true, true, false, false]);
    expect(queue.closed).toBe(true);
    expect((await queue.next()).value).toBe(1);
    expect((await queue.next()).value).toBe(2);
    await expect(queue.next()).rejects.toThrow('too far behind');
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    await queue.return!();
    expect(closes).toBe(1);
  });

  it('wakes a waiting reader on end and on fail', async () => {
    const ended = boundedQueue<number>({ maxBuffer: 1, overflow });
    const waitingForEnd = ended.next();
    ended.end();
    expect(await waitingForEnd).toEqual({ value: undefined, done: true });

    const failed = boundedQueue<number>({ maxBuffer: 1, overflow });
    const waitingForFailure = failed.next();
    failed.fail(new Error('upstream closed'));
    await expect(waitingForFailure).rejects.toThrow('upstream closed');
  });

  it('stops buffering once the reader returns', async () => {
    let closes = 0;
    const queue = boundedQueue<number>({ maxBuffer: 5, overflow, onClose: () => (closes += 1) });
    queue.push(1);
    await queue.return!();
    expect(queue.push(2)).toBe(false);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(closes).toBe(1);
  });
});

describe('returnPromptly', () => {
  it('ends a generator waiting on an idle source as soon as it is returned', async () => {
    let cleanedUp = false;
    const source = boundedQueue<number>({ maxBuffer: 10, overflow });
    const generator = (async function* () {
      try {
        for await (const value of source) yield value * 2;
      } finally {
        cleanedUp = true;
      }
    })();
    const promptly = returnPromptly(generator, source);
    source.push(1);
    expect(await promptly.next()).toEqual({ value: 2, done: false });
    const pending = promptly.next(); // waits on the idle source
    expect(await promptly.return!()).toEqual({ value: undefined, done: true });
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(cleanedUp).toBe(true);
    expect(source.closed).toBe(true);
  });

  it('is what a bare generator lacks: its return() waits for the next value', async () => {
    const source = boundedQueue<number>({ maxBuffer: 10, overflow });
    const generator = (async function* () {
      for await (const value of source) yield value;
    })();
    void generator.next();
    let returned = false;
    void generator.return(undefined).then(() => (returned = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(returned).toBe(false);
    source.push(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(returned).toBe(true);
  });
});
