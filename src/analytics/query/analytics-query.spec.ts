import { parseAnalyticsQuery, previousPeriod } from './analytics-query';

const context = {
  tenantId: '6f1c1f5e-3b7a-4c55-9a57-2f8f7f1c0a11',
  timezone: 'Europe/Berlin',
  retentionDays: 90,
  now: Date.parse('2026-11-23T12:00:00Z'),
};
const fieldsOf = (raw: Record<string, unknown>) => {
  const parsed = parseAnalyticsQuery(raw, context);
  return 'errors' in parsed ? parsed.errors.map((e) => e.field) : [];
};

describe('parseAnalyticsQuery', () => {
  it('defaults to the last 7 days and reads filters', () => {
    const parsed = parseAnalyticsQuery(
      { event_type: 'purchase', 'property.country': 'DE' },
      context,
    );
    expect(parsed).toEqual({
      query: {
        timezone: 'Europe/Berlin',
        filter: {
          tenantId: context.tenantId,
          from: new Date('2026-11-16T12:00:00Z'),
          to: new Date('2026-11-23T12:00:00Z'),
          eventType: 'purchase',
          properties: [['country', 'DE']],
        },
        earliest: new Date('2026-08-25T12:00:00Z'),
      },
    });
  });

  it.each([
    [{ from: 'yesterday' }, ['from']],
    [{ to: '2026-11-23' }, ['to']],
    [{ from: '2026-11-23T00:00:00Z', to: '2026-11-22T00:00:00Z' }, ['from']],
    [{ from: '2026-01-01T00:00:00Z' }, ['from']],
    [{ event_type: 'Bad Type' }, ['event_type']],
    [{ from: ['2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'] }, ['from']],
    [{ 'property.bad key': 'x' }, ['property.bad key']],
    [{ 'property.country': 'x'.repeat(257) }, ['property.country']],
    [{ color: 'red' }, ['color']],
    [{ to: '9999-12-31T00:00:00Z' }, ['to']],
    [{ from: '2026-11-20T00:00:00Z', to: '2026-11-24T12:00:01Z' }, ['to']],
    [{ from: '2026-08-25T18:00:00Z', to: '2026-11-24T06:00:00Z' }, ['to']],
  ])('refuses %j naming %j', (raw, fields) => {
    expect(fieldsOf(raw)).toEqual(fields);
  });

  it('counts the current second: `to` rounds up to a whole second, `from` down', () => {
    const parsed = parseAnalyticsQuery(
      {},
      { ...context, now: Date.parse('2026-11-23T12:00:00.250Z') },
    );
    if ('errors' in parsed) throw new Error('unexpected');
    expect(parsed.query.filter.to.toISOString()).toBe('2026-11-23T12:00:01.000Z');
    expect(parsed.query.filter.from.toISOString()).toBe('2026-11-16T12:00:00.000Z');
  });

  it('states the retention limit in the message', () => {
    const parsed = parseAnalyticsQuery({ from: '2026-01-01T00:00:00Z' }, context);
    expect('errors' in parsed && parsed.errors[0].message).toMatch(
      /90-day retention; the earliest is 2026-08-25/,
    );
  });

  it('gives the period just before', () => {
    const parsed = parseAnalyticsQuery(
      { from: '2026-11-20T00:00:00Z', to: '2026-11-22T00:00:00Z' },
      context,
    );
    if ('errors' in parsed) throw new Error('unexpected');
    expect(previousPeriod(parsed.query.filter, parsed.query.earliest)).toMatchObject({
      from: new Date('2026-11-18T00:00:00Z'),
      to: new Date('2026-11-20T00:00:00Z'),
    });
  });

  it("clamps the period before to the plan's retention (issue 11, finding 2)", () => {
    const parsed = parseAnalyticsQuery(
      { from: '2026-09-23T12:00:00Z', to: '2026-11-23T12:00:00Z' },
      context,
    );
    if ('errors' in parsed) throw new Error('unexpected');
    expect(previousPeriod(parsed.query.filter, parsed.query.earliest)).toMatchObject({
      from: new Date('2026-08-25T12:00:00Z'),
      to: new Date('2026-09-23T12:00:00Z'),
    });
    const whole = parseAnalyticsQuery({ from: '2026-08-25T12:00:00Z' }, context);
    if ('errors' in whole) throw new Error('unexpected');
    const empty = previousPeriod(whole.query.filter, whole.query.earliest);
    expect(empty.from).toEqual(empty.to);
  });
});
