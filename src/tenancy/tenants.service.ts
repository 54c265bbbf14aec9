import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Actor } from './scope/actor';
import { AuditService } from '../audit/audit.service';
import { Page } from '../common/pagination';
import { isUniqueViolation } from '../common/postgres-errors';
import { PlatformDatabase } from '../database/platform.database';
import { TenantContext } from './scope/tenant.context';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { ListTenantsQuery } from './dto/list-tenants.query';
import { UpdateTenantDto } from './dto/update-tenant.dto';
import { TenantSettingsService } from './settings/tenant-settings.service';
import { RESERVED_SLUGS } from './slug';
import { Tenant } from './tenant.entity';
import { TenantProvisioningRegistry } from './tenant-provisioning.registry';
import { TenantsRepository } from './tenants.repository';

/** Tenant lifecycle for platform operators: provision, list, change, soft-delete. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly tenantContext: TenantContext,
    private readonly settings: TenantSettingsService,
    private readonly audit: AuditService,
    private readonly provisioning: TenantProvisioningRegistry,
    private readonly platform: PlatformDatabase,
  ) {}

  /** Creates the tenant and its tenant-owned defaults in one transaction scoped to it. */
  /**
   * `alsoInside` runs in the same transaction after the defaults, for whatever else a new tenant
   * must have (its owner): all of it exists, or none of it does.
   */
  async create(
    input: CreateTenantDto,
    actor?: Actor,
    alsoInside?: () => Promise<void>,
  ): Promise<Tenant> {
    if (RESERVED_SLUGS.has(input.slug)) {
      throw new BadRequestException({
        message: `slug "${input.slug}" is reserved`,
        errors: [{ field: 'slug', message: `slug "${input.slug}" is reserved by the platform` }],
      });
    }
    const id = randomUUID();
    try {
      return await this.tenantContext.runInTenant(
        id,
        async () => {
          const tenant = await this.tenants.insert({
            id,
            name: input.name,
            slug: input.slug,
            tier: input.tier ?? 'starter',
          });
          await this.settings.createDefaults();
          // What other modules give every new tenant (the default dashboard, ...).
          await this.provisioning.runAll();
          await this.audit.record({
            action: 'tenant.created',
            resourceType: 'tenant',
            resourceId: id,
            details: { name: input.name, slug: input.slug, tier: tenant.tier },
          });
          await alsoInside?.();
          return tenant;
        },
        actor,
      );
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictException({
          message: `slug "${input.slug}" is already taken`,
          errors: [{ field: 'slug', message: `slug "${input.slug}" is already taken` }],
        });
      }
      throw error;
    }
  }

  async list(query: ListTenantsQuery): Promise<Page<Tenant>> {
    return this.tenants.listPage(query);
  }

  async get(id: string): Promise<Tenant> {
    const tenant = await this.tenants.findById(id);
    if (!tenant) throw new NotFoundException(`Tenant ${id} not found`);
    return tenant;
  }

  async findBySlug(slug: string): Promise<Tenant | null> {
    return this.tenants.findBySlug(slug);
  }

  async findById(id: string): Promise<Tenant | null> {
    return this.tenants.findById(id);
  }

  /** One conditional UPDATE, so a concurrent delete can never be overwritten. */
  async update(id: string, change: UpdateTenantDto, actor?: Actor): Promise<Tenant> {
    await this.get(id);
    const values: Partial<Tenant> = {};
    if (change.name !== undefined) values.name = change.name;
    if (change.tier !== undefined) values.tier = change.tier;
    if (change.status !== undefined) values.status = change.status;
    // On the platform role's connection (the app role may not UPDATE tenants), in one
    // transaction scoped to the tenant, so the change and its audit entry commit together.
    return this.platform.runInTenant(
      id,
      async () => {
        if (!(await this.tenants.updateUnlessDeleted(id, values))) {
          throw new ConflictException(`Tenant ${id} is deleted and can no longer be changed`);
        }
        await this.audit.record({
          action: 'tenant.updated',
          resourceType: 'tenant',
          resourceId: id,
          details: { ...change },
        });
        return this.tenants.getInTransaction(id);
      },
      actor,
    );
  }

  /** Soft delete: the tenant stops resolving at once; its data stays until a purge. */
  async softDelete(id: string, actor?: Actor): Promise<Tenant> {
    await this.get(id);
    return this.platform.runInTenant(
      id,
      async () => {
        if (await this.tenants.markDeleted(id)) {
          await this.audit.record({
            action: 'tenant.deleted',
            resourceType: 'tenant',
            resourceId: id,
          });
        }
        return this.tenants.getInTransaction(id);
      },
      actor,
    );
  }
}
