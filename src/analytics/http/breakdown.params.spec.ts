import { InvalidInputException } from '../../common/field-error';
import { PLANS } from '../../tenancy/plans';
import type { Tenant } from '../../tenancy/tenant.entity';
import { readSharedQuery } from '../query/analytics-query';
import type { SharedQueryReader } from '../query/analytics-query.service';
import { parseBreakdownParams } from './breakdown.params';

const tenant = { id: '6f1c1f5e-3b7a-4c55-9a57-2f8f7f1c0a11', tier: 'starter' } as Tenant;
const shared: SharedQueryReader = {
  parse: async (raw, of, options) =>
    readSharedQuery(
      raw,
      {
        tenantId: of.id,
        timezone: 'UTC',
        retentionDays: PLANS[of.tier].dataRetentionDays,
        now: Date.parse('2026-11-23T12:00:00Z'),
      },
      options,
    ),
};
const refusal = (raw: Record<string, unknown>) =>
  parseBreakdownParams(raw, tenant, shared).then(
    () => {
      throw new Error('not refused');
    },
    (error: InvalidInputException) => error.getResponse(),
  );

describe('parseBreakdownParams', () => {
  it('defaults to the top 10 event types', async () => {
    expect(await parseBreakdownParams({}, tenant, shared)).toMatchObject({
      dimension: { kind: 'event_type' },
      limit: 10,
    });
  });

  it.each([
    ['user_id', { kind: 'user_id' }],
    ['property.plan.tier', { kind: 'property', key: 'plan.tier' }],
  ])('reads the dimension %s', async (dimension, expected) => {
    const params = await parseBreakdownParams({ dimension, limit: '100' }, tenant, shared);
    expect(params).toMatchObject({ dimension: expected, limit: 100 });
  });

  it('names a bad dimension and a bad limit in one 400', async () => {
    expect(await refusal({ dimension: 'country', limit: '0' })).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Invalid input: dimension, limit',
      errors: [
        { field: 'dimension', message: 'dimension must be event_type, user_id or property.<key>' },
        { field: 'limit', message: 'limit must be 1 to 100' },
      ],
    });
  });

  it.each([['101'], ['1.5'], [['5', '6']]])('refuses the limit %j', async (limit) => {
    expect(await refusal({ limit })).toMatchObject({ errors: [{ field: 'limit' }] });
  });

  it('answers the shared parameters’ problems first, on their own', async () => {
    expect(await refusal({ event_type: 'Bad Type', dimension: 'country' })).toMatchObject({
      errors: [{ field: 'event_type' }],
    });
  });
});
