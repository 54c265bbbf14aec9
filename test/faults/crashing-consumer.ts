/**
 * A copy of the app (main.ts) whose ingestion consumer dies by SIGKILL right after its first
 * store write succeeded and before the offsets are committed: the crash the consumer must
 * survive. Run by test/faults/consumer-crash.e2e-spec.ts as a child process.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { startIngestionConsumer } from '../../src/ingestion/ingestion-consumer';
import { EventBatchProcessor } from '../../src/ingestion/pipeline/event-batch.processor';

const process_ = EventBatchProcessor.prototype.process;
EventBatchProcessor.prototype.process = async function (this: EventBatchProcessor, messages) {
  const dead = await process_.call(this, messages);
  // The rows are in the store; the transport would commit next. Die first.
  process.stdout.write(`STORED ${messages.length}\n`);
  process.kill(process.pid, 'SIGKILL');
  return dead;
};

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(), {
    bodyParser: false,
    logger: false,
  });
  configureApp(app);
  await startIngestionConsumer(app);
  await app.listen(0, '127.0.0.1');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
