import { InvalidInputException } from '../../common/field-error';
import { PLANS } from '../../tenancy/plans';
import type { Tenant } from '../../tenancy/tenant.entity';
import { readSharedQuery } from '../query/analytics-query';
import type { SharedQueryReader } from '../query/analytics-query.service';
import { parseTimeseriesParams } from './timeseries.params';

const tenant = { id: '6f1c1f5e-3b7a-4c55-9a57-2f8f7f1c0a11', tier: 'starter' } as Tenant;
const shared: SharedQueryReader = {
  parse: async (raw, of, options) =>
    readSharedQuery(
      raw,
      {
        tenantId: of.id,
        timezone: 'Asia/Kolkata',
        retentionDays: PLANS[of.tier].dataRetentionDays,
        now: Date.parse('2026-11-23T12:00:00Z'),
      },
      options,
    ),
};
const refusal = (raw: Record<string, unknown>) =>
  parseTimeseriesParams(raw, tenant, shared).then(
    () => {
      throw new Error('not refused');
    },
    (error: InvalidInputException) => error.getResponse(),
  );

describe('parseTimeseriesParams', () => {
  it('defaults to events per day, in the timezone the tenant is read with', async () => {
    const params = await parseTimeseriesParams({}, tenant, shared);
    expect(params).toMatchObject({ metric: 'events', interval: 'day' });
    expect(params.query).toMatchObject({ timezone: 'Asia/Kolkata' });
    expect(params.query.filter.tenantId).toBe(tenant.id);
  });

  it('reads metric and interval next to the shared parameters', async () => {
    const params = await parseTimeseriesParams(
      { metric: 'users', interval: 'hour', 'property.country': 'IN' },
      tenant,
      shared,
    );
    expect(params).toMatchObject({ metric: 'users', interval: 'hour' });
    expect(params.query.filter.properties).toEqual([['country', 'IN']]);
  });

  it('names a bad metric and a bad interval in one 400', async () => {
    expect(await refusal({ metric: 'clicks', interval: ['day', 'week'] })).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Invalid input: metric, interval',
      errors: [
        { field: 'metric', message: 'metric must be one of events, users, sessions' },
        { field: 'interval', message: 'interval must be one of minute, hour, day, week' },
      ],
    });
  });

  it('answers the shared parameters’ problems first, on their own', async () => {
    expect(await refusal({ from: 'yesterday', colour: 'red', metric: 'clicks' })).toMatchObject({
      message: 'Invalid input: from, colour',
      errors: [{ field: 'from' }, { field: 'colour' }],
    });
  });
});
