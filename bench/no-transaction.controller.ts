import { Controller, Get, OnModuleDestroy, Req } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { Public } from '../src/tenancy/scope/access-policy';
import { TenantAuthGuard } from '../src/tenancy/scope/tenant-auth.guard';
import { TenantContext } from '../src/tenancy/scope/tenant.context';
import { SettingsResponse } from '../src/tenancy/settings/dto/settings.response';
import { TenantSettingsService } from '../src/tenancy/settings/tenant-settings.service';
import type { TenantRequest } from '../src/tenancy/scope/tenant-request';
import { User } from '../src/auth/users/user.entity';

/**
 * The benchmark's baseline: the same guard, user check, service and query as GET /v1/settings, but on one
 * connection whose session already has the tenant set, so no BEGIN / set_config / COMMIT and
 * no connection checkout per request. The difference is the tenant transaction's cost.
 * Bench-only: a session-level tenant setting is exactly what the app must never do.
 */
@Controller('bench')
export class NoTransactionSettingsController implements OnModuleDestroy {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantContext: TenantContext,
    private readonly settings: TenantSettingsService,
    private readonly tenantAuth: TenantAuthGuard,
  ) {}

  @Get('settings-without-transaction')
  // Public to the global pipeline (no tenant transaction); the same tenant guard runs by hand.
  @Public()
  async get(@Req() request: TenantRequest): Promise<SettingsResponse> {
    await this.tenantAuth.authenticate(request, ['settings:read']);
    const tenantId = request.tenant!.id;
    const runner = await this.pinnedRunner(tenantId);
    // The same active-user check the tenant pipeline makes, then the same service call.
    const settings = await this.tenantContext.bind(
      { tenantId, manager: runner.manager },
      async () => {
        const principal = request.caller;
        const subject = principal?.kind === 'tenant' ? principal.subject : undefined;
        await runner.manager
          .getRepository(User)
          .findOne({ select: { status: true }, where: { id: subject } });
        return this.settings.get();
      },
    );
    return SettingsResponse.from(settings);
  }

  private pinnedFor?: Promise<{ tenantId: string; runner: QueryRunner }>;

  /** One pinned connection, created once (concurrent first requests share the promise). */
  private async pinnedRunner(tenantId: string): Promise<QueryRunner> {
    this.pinnedFor ??= (async () => {
      const runner = this.dataSource.createQueryRunner();
      await runner.connect();
      await runner.query("SELECT set_config('app.tenant_id', $1, false)", [tenantId]);
      return { tenantId, runner };
    })();
    const pinned = await this.pinnedFor;
    if (pinned.tenantId !== tenantId) throw new Error('the baseline serves one tenant only');
    return pinned.runner;
  }

  async onModuleDestroy(): Promise<void> {
    const pinned = await this.pinnedFor;
    if (!pinned) return;
    // Reset before the connection goes back to the pool: this setting must not outlive the bench.
    await pinned.runner.query('RESET app.tenant_id').catch(() => undefined);
    await pinned.runner.release();
  }
}
