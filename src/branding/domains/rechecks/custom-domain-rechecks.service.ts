import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { CustomDomainsService } from '../custom-domains.service';
import { DueCustomDomainsRepository } from './due-custom-domains.repository';

/** A verified domain is looked up again once it has gone this long without a check. */
export const RECHECK_AFTER_MS = 24 * 60 * 60_000;
/** Domains per run: each lookup takes at most 5 s, so a run stays within minutes. */
export const RECHECK_BATCH = 50;

/**
 * The scheduled re-check: every verified domain is looked up again about daily, so a name whose
 * TXT record is gone stops serving its tenant (and may be verified by its new owner). One run
 * takes the RECHECK_BATCH domains checked longest ago; the next run carries on.
 */
@Injectable()
export class CustomDomainRechecksService {
  constructor(
    private readonly due: DueCustomDomainsRepository,
    private readonly domains: CustomDomainsService,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(CustomDomainRechecksService.name);
  }

  async recheckDue(now = new Date()): Promise<Record<string, number>> {
    const due = await this.due.list(new Date(now.getTime() - RECHECK_AFTER_MS), RECHECK_BATCH);
    const outcomes: Record<string, number> = {};
    for (const [index, { tenantId, id }] of due.entries()) {
      let outcome: string;
      try {
        outcome = await this.domains.recheck(tenantId, id);
      } catch (error) {
        // One domain fails only itself; the run goes on.
        outcome = 'error';
        this.logger.error({ tenant_id: tenantId, domain_id: id, err: error }, 're-check failed');
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if ((index + 1) % 10 === 0) {
        this.logger.info({ done: index + 1, of: due.length }, 'custom domain re-checks');
      }
    }
    this.logger.info({ checked: due.length, outcomes }, 'custom domains re-checked');
    return { checked: due.length, ...outcomes };
  }
}
