import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InvoiceFinaliserService } from './invoice-finaliser.service';
import { INVOICES_EVERY_MS } from './invoice-job.scheduler';

/** Without Redis: an in-process timer runs the finaliser every 15 minutes. */
@Injectable()
export class InvoiceTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InvoiceTimer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly finaliser: InvoiceFinaliserService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.finaliser
        .finaliseAll()
        .catch((error: Error) =>
          this.logger.error({ msg: 'invoice finaliser failed', error: error.message }),
        )
        .finally(() => (this.running = undefined));
    }, INVOICES_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
