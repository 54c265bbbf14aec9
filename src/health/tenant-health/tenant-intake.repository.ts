import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../../database/platform.database';

/** Tenants counted per call at most: far above any day's active tenants here. */
const MAX_TENANTS = 100_000;

/**
 * Every tenant's accepted events of one UTC day, read through platform_accepted_on_day(), a
 * SECURITY DEFINER function only the platform role may call, in every placement database (an
 * unreachable one is logged and its tenants left out of the day's figures).
 */
@Injectable()
export class TenantIntakeRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  async acceptedOnDay(day: string): Promise<Map<string, number>> {
    const rows = await this.platform.queryEveryPlacement<{ tenant_id: string; accepted: string }>(
      'SELECT tenant_id, accepted FROM platform_accepted_on_day($1::date, $2)',
      [day, MAX_TENANTS],
      { reader: 'platform_accepted_on_day', unreachable: 'skip' },
    );
    return new Map(rows.map((row) => [row.tenant_id, Number(row.accepted)]));
  }
}
