import { ConfigService } from '@nestjs/config';
import { Counter, Gauge } from 'prom-client';
import type { TenantDirectory, TenantFacts } from '../pipeline/tenant.directory';
import { IntakeRateService } from './intake-rate.service';

const A = '00000000-0000-4000-8000-00000000000a';
const NOBODY = '00000000-0000-4000-8000-00000000000b';

/** A tenant directory whose answer the test sets; it counts the lookups of each id. */
class ScriptedDirectory {
  answer: () => Promise<TenantFacts | null> = () =>
    Promise.resolve({ tier: 'starter' } as TenantFacts);
  readonly calls = new Map<string, number>();

  get(tenantId: string): Promise<TenantFacts | null> {
    this.calls.set(tenantId, (this.calls.get(tenantId) ?? 0) + 1);
    return tenantId === NOBODY ? Promise.resolve(null) : this.answer();
  }
}

/** The in-process window (no REDIS_URL): 20 events/s makes a tenant hot, for 30 s at least. */
function serviceWith(directory: ScriptedDirectory): IntakeRateService {
  const config = new ConfigService({
    INGEST_OVERFLOW_EVENTS_PER_SECOND: 'starter:20,growth:20,enterprise:20',
    INGEST_OVERFLOW_WINDOW_SECONDS: 10,
    INGEST_OVERFLOW_MIN_HOT_SECONDS: 30,
    DATABASE_NAME: 'unit',
    // Set, or ConfigService falls back to the process environment's.
    REDIS_URL: '',
  });
  return new IntakeRateService(
    config as never,
    null,
    directory as unknown as TenantDirectory,
    new Counter({ name: 'test_overflow', help: 'test', labelNames: ['tier', 'path'], registers: [] }),
    new Gauge({ name: 'test_hot', help: 'test', registers: [] }),
  );
}

describe('IntakeRateService', () => {
  let directory: ScriptedDirectory;
  let rate: IntakeRateService;
  beforeEach(() => {
    directory = new ScriptedDirectory();
    rate = serviceWith(directory);
  });
  afterEach(() => rate.onModuleDestroy());

  it('leaves a hot tenant hot when its tier cannot be read, instead of cooling it at once', async () => {
    expect((await rate.record(new Map([[A, 1_000]]))).get(A)).toEqual({
      hot: true,
      tier: 'starter',
    });
    directory.answer = () => Promise.reject(new Error('Connection terminated unexpectedly'));
    // Still within its 30 s of minimum heat: a failed lookup must not end it.
    expect((await rate.record(new Map([[A, 0]]))).get(A)).toEqual({ hot: true, tier: 'starter' });
    expect(await rate.status(A)).toMatchObject({ overflowing: true, eventsPerSecond: 100 });
  });

  it('does not heat a tenant whose tier cannot be read', async () => {
    directory.answer = () => Promise.reject(new Error('Connection terminated unexpectedly'));
    expect((await rate.record(new Map([[A, 1_000]]))).get(A)).toEqual({ hot: false, tier: null });
  });

  it('looks an id that names no tenant up once, however many batches name it', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await rate.record(new Map([[NOBODY, 1]]))).get(NOBODY)).toEqual({
        hot: false,
        tier: null,
      });
    }
    expect(directory.calls.get(NOBODY)).toBe(1);
  });
});
