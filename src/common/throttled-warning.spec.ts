import { ThrottledWarning } from './throttled-warning';

describe('ThrottledWarning', () => {
  it('logs the first warning, then at most one per interval', () => {
    let now = 1_000;
    const lines: string[] = [];
    const warning = new ThrottledWarning(
      { warn: (_details, message) => lines.push(message) },
      60_000,
      () => now,
    );
    expect(warning.warn({ tenant_id: 'a' }, 'first')).toBe(true);
    now += 59_999;
    expect(warning.warn({ tenant_id: 'b' }, 'too soon')).toBe(false);
    now += 1;
    expect(warning.warn({ tenant_id: 'c' }, 'a minute later')).toBe(true);
    expect(lines).toEqual(['first', 'a minute later']);
  });

  it('passes the details and the message to the logger as given', () => {
    const calls: unknown[][] = [];
    new ThrottledWarning({ warn: (...args) => calls.push(args) }).warn(
      { tenant_id: 't' },
      'Redis did not answer',
    );
    expect(calls).toEqual([[{ tenant_id: 't' }, 'Redis did not answer']]);
  });
});
