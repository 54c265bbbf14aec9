import { ConfigService } from '@nestjs/config';
import { BackgroundQueryRunner } from './background-query.runner';

const runnerOf = (turns: number) =>
  new BackgroundQueryRunner(
    new ConfigService({ ANALYTICS_POSTGRES_BACKGROUND_QUERIES: turns }) as never,
  );

/** A query that runs until the test lets it end. */
function held() {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  return { ended, end };
}

describe('BackgroundQueryRunner', () => {
  it('runs background queries one at a time, first come first served', async () => {
    const runner = runnerOf(1);
    const started: string[] = [];
    const first = held();
    const a = runner.run(undefined, async () => {
      started.push('a');
      await first.ended;
    });
    const b = runner.run(undefined, () => Promise.resolve(started.push('b')));
    const c = runner.run(undefined, () => Promise.resolve(started.push('c')));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a']);
    expect(runner.waiting).toBe(2);
    first.end();
    await Promise.all([a, b, c]);
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('never starts a query whose client left while it waited, and frees its turn', async () => {
    const runner = runnerOf(1);
    const first = held();
    const a = runner.run(undefined, () => first.ended);
    const gone = new AbortController();
    let ran = false;
    const b = runner.run(gone.signal, () => Promise.resolve((ran = true)));
    gone.abort(new Error('the client closed the request'));
    first.end();
    await a;
    await expect(b).rejects.toThrow('the client closed the request');
    expect(ran).toBe(false);
    await expect(runner.run(undefined, () => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('runs as many at once as configured', async () => {
    const runner = runnerOf(2);
    const first = held();
    let running = 0;
    const runs = [1, 2, 3].map(() =>
      runner.run(undefined, async () => {
        running += 1;
        await first.ended;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toBe(2);
    first.end();
    await Promise.all(runs);
    expect(running).toBe(3);
  });
});
