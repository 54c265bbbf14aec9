import { AsyncLocalStorage } from 'node:async_hooks';
import { ConfigService } from '@nestjs/config';
import { BackgroundQueryRunner } from './background-query.runner';
import { QueryTurnExpiredException } from './query-turn-expired.exception';

const runnerOf = (turns: number) =>
  new BackgroundQueryRunner(new ConfigService({ ANALYTICS_BACKGROUND_QUERIES: turns }) as never);

/** A query that runs until the test lets it end. */
function held() {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  return { ended, end };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));
/** Waits long enough for any wait deadline of these tests to pass. */
const LONG = { maxWaitSeconds: 60 };

describe('BackgroundQueryRunner', () => {
  it('runs a waiting query in its own caller’s async context, not in the one that freed the turn', async () => {
    // The tenant transaction of a request lives in AsyncLocalStorage: a query started from
    // another request's completion must still see its own.
    const scope = new AsyncLocalStorage<string>();
    const runner = runnerOf(1);
    const first = held();
    const seen: (string | undefined)[] = [];
    const a = scope.run('request a', () =>
      runner.run('t', LONG, async () => {
        seen.push(scope.getStore());
        await first.ended;
      }),
    );
    const b = scope.run('request b', () =>
      runner.run('t', LONG, () => Promise.resolve(seen.push(scope.getStore()))),
    );
    await settled();
    scope.run('request a', () => first.end());
    await Promise.all([a, b]);
    expect(seen).toEqual(['request a', 'request b']);
  });

  it('runs one tenant’s background queries one at a time, first come first served', async () => {
    const runner = runnerOf(1);
    const started: string[] = [];
    const first = held();
    const a = runner.run('t', LONG, async () => {
      started.push('a');
      await first.ended;
    });
    const b = runner.run('t', LONG, () => Promise.resolve(started.push('b')));
    const c = runner.run('t', LONG, () => Promise.resolve(started.push('c')));
    await settled();
    expect(started).toEqual(['a']);
    expect(runner.waiting).toBe(2);
    first.end();
    await Promise.all([a, b, c]);
    expect(started).toEqual(['a', 'b', 'c']);
    expect(runner.waiting).toBe(0);
  });

  it('takes turns round robin between tenants: one queued behind 8 of another waits for one', async () => {
    const runner = runnerOf(1);
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof held>>();
    const query = (tenant: string, name: string) =>
      runner.run(tenant, LONG, async () => {
        started.push(name);
        const gate = held();
        gates.set(name, gate);
        await gate.ended;
      });
    const runs = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => query('A', `A${i}`));
    await settled();
    runs.push(query('B', 'B1'), query('C', 'C1'), query('B', 'B2'));
    /** Ends the query running now and waits for the next to start. */
    const endRunning = async () => {
      gates.get(started[started.length - 1])!.end();
      await settled();
    };
    for (let i = 0; i < 11; i++) {
      if (i > 0) await endRunning();
      expect(started).toHaveLength(i + 1);
    }
    await endRunning();
    await Promise.all(runs);
    // A's 1st was running when the others came; then each tenant in turn.
    expect(started).toEqual(['A1', 'A2', 'B1', 'C1', 'A3', 'B2', 'A4', 'A5', 'A6', 'A7', 'A8']);
  });

  it('answers 503 naming the time per query when the turn does not come in time, and never starts it', async () => {
    const runner = runnerOf(1);
    const first = held();
    const a = runner.run('big', LONG, () => first.ended);
    let ran = false;
    const waited = Date.now();
    const b = runner.run('small', { maxWaitSeconds: 0.05 }, () => Promise.resolve((ran = true)));
    const error = await b.catch((e: unknown) => e);
    expect(Date.now() - waited).toBeGreaterThanOrEqual(45);
    expect(error).toBeInstanceOf(QueryTurnExpiredException);
    const expired = error as QueryTurnExpiredException;
    expect(expired.getStatus()).toBe(503);
    expect(expired.getResponse()).toMatchObject({ limit: 'analytics_query_seconds' });
    expect(expired.message).toMatch(/waited longer than the 0\.05 s per query/);
    expect(expired.retryAfterSeconds).toBe(1);
    expect(runner.waiting).toBe(0);
    first.end();
    await a;
    await settled();
    expect(ran).toBe(false);
    // Its turn is not lost: the next query runs at once.
    await expect(runner.run('small', LONG, () => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('counts the wait deadline from the queue, not from the query: a started query runs on', async () => {
    const runner = runnerOf(1);
    const slow = runner.run('t', { maxWaitSeconds: 0.02 }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return 'done';
    });
    await expect(slow).resolves.toBe('done');
  });

  it('never starts a query whose client left while it waited, and frees its turn', async () => {
    const runner = runnerOf(1);
    const first = held();
    const a = runner.run('t', LONG, () => first.ended);
    const gone = new AbortController();
    let ran = false;
    const b = runner.run('t', { ...LONG, signal: gone.signal }, () =>
      Promise.resolve((ran = true)),
    );
    gone.abort(new Error('the client closed the request'));
    await expect(b).rejects.toThrow('the client closed the request');
    expect(runner.waiting).toBe(0);
    first.end();
    await a;
    expect(ran).toBe(false);
    await expect(runner.run('t', LONG, () => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('runs as many at once as configured', async () => {
    const runner = runnerOf(2);
    const first = held();
    let running = 0;
    const runs = ['a', 'b', 'c'].map((tenant) =>
      runner.run(tenant, LONG, async () => {
        running += 1;
        await first.ended;
      }),
    );
    await settled();
    expect(running).toBe(2);
    first.end();
    await Promise.all(runs);
    expect(running).toBe(3);
  });

  it('passes a failing query’s error on and frees its turn', async () => {
    const runner = runnerOf(1);
    await expect(
      runner.run('t', LONG, () => Promise.reject(new Error('statement timeout'))),
    ).rejects.toThrow('statement timeout');
    await expect(runner.run('t', LONG, () => Promise.resolve(1))).resolves.toBe(1);
  });
});
