import { MemoryIntakeWindow, type WindowHit } from './intake-window';

/** The in-process window (no Redis), on a clock the test moves. */
describe('MemoryIntakeWindow', () => {
  let now: number;
  let window: MemoryIntakeWindow;
  const hit = (events: number, enter: number | null = 100): WindowHit => ({
    key: 'tenant',
    events,
    enterPerSecond: enter,
    exitPerSecond: enter === null ? null : enter / 2,
  });
  const read = async (events: number, enter?: number | null) =>
    (await window.hit([hit(events, enter)]))[0];

  beforeEach(() => {
    now = 1_000_000;
    window = new MemoryIntakeWindow({ windowMs: 10_000, minHotMs: 30_000 }, () => now);
  });

  it('measures events per second over the window and forgets what left it', async () => {
    expect((await read(500)).eventsPerSecond).toBe(50);
    now += 5_000;
    expect((await read(500)).eventsPerSecond).toBe(100);
    now += 6_000;
    expect((await read(0)).eventsPerSecond).toBe(50);
    now += 10_000;
    expect((await read(0)).eventsPerSecond).toBe(0);
  });

  it('turns hot above the threshold, once, and cools only below half of it after minHot', async () => {
    expect(await read(900)).toEqual({ eventsPerSecond: 90, hot: false, change: null });
    expect(await read(200)).toEqual({ eventsPerSecond: 110, hot: true, change: 'started' });
    expect((await read(100)).change).toBeNull();
    // Quiet at once, but not hot for 30 s yet: still hot.
    now += 11_000;
    expect(await read(0)).toEqual({ eventsPerSecond: 0, hot: true, change: null });
    // Between half the threshold and the threshold after 30 s: still hot (no flapping).
    now += 20_000;
    expect(await read(700)).toEqual({ eventsPerSecond: 70, hot: true, change: null });
    now += 11_000;
    expect(await read(400)).toEqual({ eventsPerSecond: 40, hot: false, change: 'stopped' });
    expect((await read(0)).change).toBeNull();
  });

  it('holds a tenant as it is while its thresholds are unknown, counting its events', async () => {
    const hold = (events: number) => window.hit([{ ...hit(events), hold: true }]);
    expect(await read(2_000)).toMatchObject({ hot: true, change: 'started' });
    // Quiet and past minHot: a known threshold would cool it; unknown ones leave it hot.
    now += 31_000;
    expect((await hold(0))[0]).toEqual({ eventsPerSecond: 0, hot: true, change: null });
    expect((await read(0)).change).toBe('stopped');
    // And never heats a tenant either.
    expect((await hold(5_000))[0]).toEqual({ eventsPerSecond: 500, hot: false, change: null });
  });

  it('never turns a tenant without a threshold hot, and cools one whose threshold went', async () => {
    expect((await read(100_000, null)).hot).toBe(false);
    now += 11_000;
    expect(await read(2_000)).toMatchObject({ hot: true, change: 'started' });
    expect(await read(0, null)).toMatchObject({ hot: false, change: 'stopped' });
  });
});
