import { InvalidInputException } from '../../common/field-error';
import { PLANS } from '../../tenancy/plans';
import type { Tenant } from '../../tenancy/tenant.entity';
import { type AnalyticsQuery, readSharedQuery } from '../query/analytics-query';
import type { SharedQueryReader } from '../query/analytics-query.service';
import { parseFunnelParams } from './funnel.params';

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
const refusal = (raw: Record<string, unknown>, body: unknown, reader = shared) =>
  parseFunnelParams(raw, body, tenant, reader).then(
    () => {
      throw new Error('not refused');
    },
    (error: InvalidInputException) => error.getResponse(),
  );

describe('parseFunnelParams', () => {
  it('reads the steps and the window from the body, the range from the query string', async () => {
    const params = await parseFunnelParams(
      { from: '2026-11-20T00:00:00Z', to: '2026-11-22T00:00:00Z' },
      { steps: ['signup', 'purchase'], window_seconds: 3600 },
      tenant,
      shared,
    );
    expect(params.funnel).toEqual({ steps: ['signup', 'purchase'], windowSeconds: 3600 });
    expect(params.query.filter).toMatchObject({
      from: new Date('2026-11-20T00:00:00Z'),
      to: new Date('2026-11-22T00:00:00Z'),
    });
  });

  it('names the body’s problems, then the query string’s, then event_type, in one 400', async () => {
    const response = await refusal(
      { from: 'yesterday', colour: 'red', event_type: 'signup' },
      { steps: ['signup'] },
    );
    expect(response).toMatchObject({
      message: 'Invalid input: steps, window_seconds, from, colour, event_type',
    });
    const fields = (response as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields[0]).toBe('steps');
    expect(fields.at(-1)).toBe('event_type');
  });

  it('refuses a range longer than a funnel reads, on its own', async () => {
    const long: AnalyticsQuery = {
      filter: {
        tenantId: tenant.id,
        from: new Date('2020-01-01T00:00:00Z'),
        to: new Date('2026-01-01T00:00:00Z'),
        properties: [],
      },
      timezone: 'UTC',
      earliest: new Date('2020-01-01T00:00:00Z'),
    };
    const response = await refusal(
      {},
      { steps: ['signup', 'purchase'], window_seconds: 60 },
      { parse: async () => long },
    );
    expect(response).toMatchObject({
      errors: [{ field: 'to', message: 'a funnel reads at most 1000 days' }],
    });
  });
});
