import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnModuleDestroy } from '@nestjs/common';
import { InvoiceFinaliserService } from './invoice-finaliser.service';

export const INVOICES_QUEUE = 'billing-invoices';

/** Runs the finaliser; BullMQ gives each run to one worker of one app copy. */
@Processor(INVOICES_QUEUE)
export class InvoiceJobProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(InvoiceJobProcessor.name);
  private lastError = '';

  constructor(private readonly finaliser: InvoiceFinaliserService) {
    super();
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.logger.warn({ msg: 'invoice worker: Redis error', error: error.message });
  }

  /** A run cut short is made again 15 minutes later (finalising is idempotent). */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close(true);
  }

  async process(): Promise<{ created: number }> {
    return this.finaliser.finaliseAll();
  }
}
