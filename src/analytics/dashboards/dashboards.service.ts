import { ConflictException, Injectable, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../../audit/audit.service';
import { ResourceNotFoundException } from '../../tenancy/scope/resource-not-found.exception';
import { InvalidInputException } from '../../common/field-error';
import type { Page, PageQuery } from '../../common/pagination';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { TenantProvisioningRegistry } from '../../tenancy/tenant-provisioning.registry';
import type { Dashboard } from './dashboard.entity';
import { DashboardsRepository } from './dashboards.repository';
import { DEFAULT_DASHBOARD_NAME, DEFAULT_DASHBOARD_WIDGETS } from './default-dashboard';
import type { CreateDashboardDto } from './dto/create-dashboard.dto';
import type { UpdateDashboardDto } from './dto/update-dashboard.dto';
import { normalizeWidgets, type Widget, type WidgetInput } from './widgets';

/**
 * The current tenant's dashboards, always in the tenant transaction (RLS). Another tenant's id
 * is a ResourceNotFoundException: the same 404 as a missing one, recorded in the owner's log.
 *
 * The default dashboard: every tenant has exactly one (made at provisioning, backfilled by the
 * migration). Deleting it is refused with 409 rather than promoting another behind the caller's
 * back: embed links and the console's landing page point at it, and which dashboard takes its
 * place is the tenant's call (PATCH another one with is_default: true, then delete this one).
 */
@Injectable()
export class DashboardsService implements OnModuleInit {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly dashboards: DashboardsRepository,
    private readonly audit: AuditService,
    private readonly provisioning: TenantProvisioningRegistry,
  ) {}

  onModuleInit(): void {
    this.provisioning.register('default dashboard', async () => {
      await this.createDefault();
    });
  }

  async list(query: PageQuery): Promise<Page<Dashboard>> {
    return this.dashboards.listPage(query);
  }

  /** 404 for a missing dashboard and for another tenant's alike: RLS hides both. */
  async get(id: string): Promise<Dashboard> {
    const dashboard = await this.dashboards.findById(id);
    if (!dashboard) throw new ResourceNotFoundException('dashboard', id);
    return dashboard;
  }

  /** Like get(), or null: for callers that answer a miss their own way (the embed pages). */
  find(id: string): Promise<Dashboard | null> {
    return this.dashboards.findById(id);
  }

  async create(input: CreateDashboardDto, retentionDays: number): Promise<Dashboard> {
    const widgets = this.checkWidgets(input.widgets, retentionDays, new Set());
    const dashboard = await this.dashboards.insert({
      tenantId: this.tenantContext.tenantId,
      name: input.name.trim(),
      widgets,
      isDefault: false,
    });
    await this.audit.record({
      action: 'dashboard.created',
      resourceType: 'dashboard',
      resourceId: dashboard.id,
      details: { name: dashboard.name, widgets: widgets.length },
    });
    return this.get(dashboard.id);
  }

  async update(id: string, change: UpdateDashboardDto, retentionDays: number): Promise<Dashboard> {
    const dashboard = await this.get(id);
    if (change.is_default === false && dashboard.isDefault) {
      throw new ConflictException({
        message: 'A tenant always has a default dashboard: make another one the default instead',
        errors: [{ field: 'is_default', message: 'make another dashboard the default instead' }],
      });
    }
    const values: Partial<Dashboard> = {};
    if (change.name !== undefined) values.name = change.name.trim();
    if (change.widgets !== undefined) {
      values.widgets = this.checkWidgets(
        change.widgets,
        retentionDays,
        new Set(dashboard.widgets.map((widget) => widget.id)),
      );
    }
    if (change.is_default === true && !dashboard.isDefault) {
      // One statement would trip the one-default index midway; unset first, in this transaction.
      await this.dashboards.unsetDefault();
      values.isDefault = true;
    }
    if (Object.keys(values).length > 0) {
      await this.dashboards.update(id, values);
    }
    await this.audit.record({
      action: 'dashboard.updated',
      resourceType: 'dashboard',
      resourceId: id,
      details: {
        ...(change.name !== undefined ? { name: values.name } : {}),
        ...(values.widgets ? { widgets: values.widgets.length } : {}),
        ...(change.is_default !== undefined ? { is_default: change.is_default } : {}),
      },
    });
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const dashboard = await this.get(id);
    if (dashboard.isDefault) {
      throw new ConflictException(
        'The default dashboard cannot be deleted: make another one the default first',
      );
    }
    await this.dashboards.delete(id);
    await this.audit.record({
      action: 'dashboard.deleted',
      resourceType: 'dashboard',
      resourceId: id,
      details: { name: dashboard.name },
    });
  }

  /** The provisioning step: the new tenant's default dashboard, in its provisioning transaction. */
  async createDefault(): Promise<Dashboard> {
    const widgets = this.checkWidgets(DEFAULT_DASHBOARD_WIDGETS, Infinity, new Set());
    return this.dashboards.insert({
      tenantId: this.tenantContext.tenantId,
      name: DEFAULT_DASHBOARD_NAME,
      widgets,
      isDefault: true,
    });
  }

  private checkWidgets(
    inputs: readonly WidgetInput[],
    retentionDays: number,
    knownIds: ReadonlySet<string>,
  ): Widget[] {
    const result = normalizeWidgets(inputs, { retentionDays, knownIds, newId: randomUUID });
    if ('errors' in result) throw new InvalidInputException(result.errors);
    return result.widgets;
  }
}
