import { InvalidInputException } from '../../common/field-error';
import { PLANS } from '../../tenancy/plans';
import type { Tenant } from '../../tenancy/tenant.entity';
import { readSharedQuery } from '../query/analytics-query';
import type { SharedQueryReader } from '../query/analytics-query.service';
import { parseRetentionParams } from './retention.params';

const tenant = { id: '6f1c1f5e-3b7a-4c55-9a57-2f8f7f1c0a11', tier: 'starter' } as Tenant;
const shared: SharedQueryReader = {
  parse: async (raw, of, options) =>
    readSharedQuery(
      raw,
      {
        tenantId: of.id,
        timezone: 'Europe/Berlin',
        retentionDays: PLANS[of.tier].dataRetentionDays,
        now: Date.parse('2026-11-23T12:00:00Z'),
      },
      options,
    ),
};
const refusal = (raw: Record<string, unknown>) =>
  parseRetentionParams(raw, tenant, shared).then(
    () => {
      throw new Error('not refused');
    },
    (error: InvalidInputException) => error.getResponse(),
  );

describe('parseRetentionParams', () => {
  it('defaults to days, any events, every observable period', async () => {
    const params = await parseRetentionParams({}, tenant, shared);
    expect(params).toMatchObject({ events: {}, interval: 'day', periods: undefined });
    expect(params.query.timezone).toBe('Europe/Berlin');
  });

  it('reads its own parameters next to the shared ones', async () => {
    const params = await parseRetentionParams(
      {
        cohort_event: 'signup',
        return_event: 'page_view',
        interval: 'week',
        periods: '4',
        'property.plan': 'pro',
      },
      tenant,
      shared,
    );
    expect(params).toMatchObject({
      events: { cohortEvent: 'signup', returnEvent: 'page_view' },
      interval: 'week',
      periods: 4,
    });
    expect(params.query.filter.properties).toEqual([['plan', 'pro']]);
  });

  it('names its own problems, then the shared ones, then event_type, in one 400', async () => {
    const response = await refusal({
      cohort_event: 'Sign Up',
      interval: 'hour',
      periods: '180',
      from: 'yesterday',
      event_type: 'signup',
    });
    expect(response).toMatchObject({
      message: 'Invalid input: cohort_event, interval, periods, from, event_type',
      errors: [
        {
          field: 'cohort_event',
          message: 'cohort_event may hold only a-z, 0-9 and _ . : - (1-128)',
        },
        { field: 'interval', message: 'interval must be one of day, week' },
        { field: 'periods', message: 'periods must be 0 to 179' },
        { field: 'from' },
        {
          field: 'event_type',
          message: 'event_type is not a parameter of this route: its event types are named apart',
        },
      ],
    });
  });

  it('refuses a parameter given twice', async () => {
    expect(await refusal({ return_event: ['a', 'b'] })).toMatchObject({
      errors: [{ field: 'return_event', message: 'return_event must be given once' }],
    });
  });
});
