import { Injectable } from '@nestjs/common';
import { IntervalJobTimer } from '../../jobs/interval-job.timer';
import { ScheduledJobRegistry } from '../../jobs/scheduled-job.registry';
import { InvoiceFinaliserService } from './invoice-finaliser.service';
import { INVOICE_JOB } from './invoice.job';

/** Without Redis: an in-process timer runs the finaliser every 15 minutes. */
@Injectable()
export class InvoiceTimer extends IntervalJobTimer {
  constructor(
    private readonly finaliser: InvoiceFinaliserService,
    registry: ScheduledJobRegistry,
  ) {
    super(INVOICE_JOB, registry);
  }

  protected run(): Promise<unknown> {
    return this.finaliser.finaliseAll();
  }
}
