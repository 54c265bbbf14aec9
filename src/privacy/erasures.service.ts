import { ConflictException, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AuditService } from '../audit/audit.service';
import { sha256Hex } from '../common/sha256';
import type { Actor } from '../tenancy/scope/actor';
import { ResourceNotFoundException } from '../tenancy/scope/resource-not-found.exception';
import { TenantContext } from '../tenancy/scope/tenant.context';
import type { ErasureRequest } from './erasure-request';
import { ErasureJobsService } from './erasure-jobs.service';
import { ErasureRequestsRepository } from './erasure-requests.repository';

/** Erasures a tenant may have waiting or running at once: each one is a job on the stores. */
export const MAX_UNFINISHED_ERASURES = 100;

/**
 * The subject of an erasure as records keep it: SHA-256 of `<tenant id>:<user id>`. Whoever
 * holds the id can show it was erased; the record alone does not give the id back.
 */
export function subjectDigest(tenantId: string, userId: string): string {
  return sha256Hex(`${tenantId}:${userId}`);
}

/** End-user erasure requests of the current tenant. */
@Injectable()
export class ErasuresService {
  constructor(
    private readonly tenantContext: TenantContext,
    private readonly requests: ErasureRequestsRepository,
    private readonly jobs: ErasureJobsService,
    private readonly moduleRef: ModuleRef,
  ) {}

  // Looked up, not imported (see ErasureRunner): AuditModule has controllers of its own.
  private get audit(): AuditService {
    return this.moduleRef.get(AuditService, { strict: false });
  }

  /**
   * Records the request and its audit entry in one tenant transaction, then queues the first
   * pass once they are committed (so the job always finds the row). The audit entry names the
   * subject by digest: the audit log outlives the erasure and must not keep the id it erased.
   */
  async request(tenantId: string, userId: string, actor: Actor): Promise<ErasureRequest> {
    const created = await this.tenantContext.runInTenant(
      tenantId,
      async () => {
        const unfinished = await this.requests.countUnfinishedLocked();
        if (unfinished >= MAX_UNFINISHED_ERASURES) {
          throw new ConflictException({
            statusCode: 409,
            error: 'Conflict',
            message: `At most ${MAX_UNFINISHED_ERASURES} erasures may be waiting or running at once; ${unfinished} are`,
            limit: MAX_UNFINISHED_ERASURES,
            current: unfinished,
          });
        }
        const saved = await this.requests.insert({
          userId,
          subjectDigest: subjectDigest(tenantId, userId),
          requestedByType: actor.type,
          requestedBy: actor.id,
        });
        await this.audit.record({
          action: 'privacy.erasure_requested',
          resourceType: 'erasure',
          resourceId: saved.id,
          details: { subject_digest: saved.subjectDigest, cutoff: saved.cutoff.toISOString() },
        });
        return saved;
      },
      actor,
    );
    await this.jobs.enqueue({ tenantId, erasureId: created.id, pass: 'first' });
    return created;
  }

  async get(id: string): Promise<ErasureRequest> {
    const found = await this.requests.findById(id);
    if (!found) throw new ResourceNotFoundException('erasure', id);
    return found;
  }

  list(page: number, limit: number): Promise<{ data: ErasureRequest[]; total: number }> {
    return this.requests.listPage(page, limit);
  }
}
