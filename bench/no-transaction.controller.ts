import { Controller, Get, OnModuleDestroy, Req, UseGuards } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { setAccessPolicy } from '../src/auth/access-policy';
import { TenantAuthGuard } from '../src/auth/tenant-auth.guard';
import { TenantContext } from '../src/database/tenant-context';
import { SettingsResponse } from '../src/tenancy/settings/dto/settings.response';
import { TenantSettingsService } from '../src/tenancy/settings/tenant-settings.service';
import type { TenantRequest } from '../src/tenancy/tenant-request';

/**
 * The benchmark's baseline: the same guard, service and query as GET /v1/settings, but on one
 * connection whose session already has the tenant set, so no BEGIN / set_config / COMMIT and
 * no connection checkout per request. The difference is the tenant transaction's cost.
 * Bench-only: a session-level tenant setting is exactly what the app must never do.
 */
@Controller('bench')
export class NoTransactionSettingsController implements OnModuleDestroy {
  private pinned?: { tenantId: string; runner: QueryRunner };

  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantContext: TenantContext,
    private readonly settings: TenantSettingsService,
  ) {}

  @Get('settings-without-transaction')
  @setAccessPolicy({ kind: 'tenant', permissions: ['settings:read'] })
  @UseGuards(TenantAuthGuard)
  async get(@Req() request: TenantRequest): Promise<SettingsResponse> {
    const tenantId = request.tenant!.id;
    const runner = await this.pinnedRunner(tenantId);
    const settings = await this.tenantContext.bind({ tenantId, manager: runner.manager }, () =>
      this.settings.get(),
    );
    return SettingsResponse.from(settings);
  }

  private async pinnedRunner(tenantId: string): Promise<QueryRunner> {
    if (this.pinned?.tenantId !== tenantId) {
      await this.pinned?.runner.release();
      const runner = this.dataSource.createQueryRunner();
      await runner.connect();
      await runner.query("SELECT set_config('app.tenant_id', $1, false)", [tenantId]);
      this.pinned = { tenantId, runner };
    }
    return this.pinned.runner;
  }

  async onModuleDestroy(): Promise<void> {
    // Reset before the connection goes back to the pool: this setting must not outlive the bench.
    await this.pinned?.runner.query('RESET app.tenant_id').catch(() => undefined);
    await this.pinned?.runner.release();
  }
}
