import type TestAgent from 'supertest/lib/agent';
import { adminAuth } from './test-app';

const FIGURES = [
  'price_cents_per_month',
  'events_per_month',
  'over_quota',
  'overage_cents_per_1000_events',
  'api_requests_per_minute',
  'storage_gb',
  'users',
  'event_sources',
  'data_retention_days',
  'features',
  'analytics_concurrent_queries',
  'analytics_query_seconds',
  'analytics_rows_per_query',
] as const;

type PlanBody = Record<string, unknown> & { id: string; code: string; version: number };

/**
 * Suites that add plan versions they do not choose (the HTTP sweep and the fuzzer change one
 * field at a time, and some changes are valid) leave the catalogue as seeded for the suites after
 * them: each plan whose current version differs from its version 1 gets a new version equal to
 * it. Versions are never deleted, so this is how the catalogue is put back.
 */
export async function restoreSeededPlans(http: TestAgent): Promise<void> {
  const all = (await http.get('/admin/plans?all=true').set(adminAuth).expect(200))
    .body as PlanBody[];
  const current = (await http.get('/admin/plans').set(adminAuth).expect(200)).body as PlanBody[];
  for (const plan of current) {
    const seeded = all.find((p) => p.code === plan.code && p.version === 1);
    if (!seeded) continue;
    const figures = (p: PlanBody) => JSON.stringify(FIGURES.map((field) => p[field]));
    if (figures(plan) === figures(seeded)) continue;
    const body = Object.fromEntries(FIGURES.map((field) => [field, seeded[field]]));
    await http
      .post('/admin/plans')
      .set(adminAuth)
      .send({ code: plan.code, ...body })
      .expect(201);
  }
}
