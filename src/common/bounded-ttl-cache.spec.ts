import { BoundedTtlCache } from './bounded-ttl-cache';

describe('BoundedTtlCache', () => {
  it('forgets an entry after its time to live', () => {
    let now = 1000;
    const cache = new BoundedTtlCache<string>(10, 500, () => now);
    cache.set('a', 'x');
    now = 1499;
    expect(cache.get('a')).toBe('x');
    now = 1500;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never holds more than its bound, dropping the oldest first', () => {
    const cache = new BoundedTtlCache<number>(3, 60_000);
    for (let i = 0; i < 10; i += 1) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
    expect(cache.get('k6')).toBeUndefined();
    expect([cache.get('k7'), cache.get('k8'), cache.get('k9')]).toEqual([7, 8, 9]);
    cache.delete('k8');
    expect(cache.get('k8')).toBeUndefined();
  });
});
