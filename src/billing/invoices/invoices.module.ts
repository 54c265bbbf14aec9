import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { INVOICES_FINALISED, InvoiceFinaliserService } from './invoice-finaliser.service';
import { InvoiceJobProcessor } from './invoice-job.processor';
import { INVOICE_JOB } from './invoice.job';
import { InvoiceJobScheduler } from './invoice-job.scheduler';
import { InvoiceTimer } from './invoice.timer';

/**
 * The invoice finaliser: every 15 minutes, the period just ended is invoiced for every tenant
 * not yet invoiced for it. A BullMQ repeatable job when Redis is configured (one run at a time
 * across every app copy; the queue shares the root BullMQ connection, whose prefix carries the
 * database name, set by RollupsModule.register), an in-process timer otherwise. The routes and
 * InvoicesService live in BillingModule; the finaliser finds them when it runs.
 */
@Module({})
export class InvoicesModule {
  static register(redisUrl: string | undefined): DynamicModule {
    const common = [
      InvoiceFinaliserService,
      makeCounterProvider({
        name: INVOICES_FINALISED,
        help: 'Invoices finalised (one per tenant per closed period)',
      }),
    ];
    if (!redisUrl) {
      return {
        module: InvoicesModule,
        providers: [...common, InvoiceTimer],
        exports: [InvoiceFinaliserService],
      };
    }
    return {
      module: InvoicesModule,
      imports: [BullModule.registerQueue({ name: INVOICE_JOB.queue })],
      providers: [...common, InvoiceJobScheduler, InvoiceJobProcessor],
      exports: [InvoiceFinaliserService],
    };
  }
}
