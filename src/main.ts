import 'reflect-metadata';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureApp } from './app.setup';
import { AppModule } from './app.module';
import type { Environment } from './config/environment';
import { startIngestionConsumer } from './ingestion/ingestion-consumer';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(), {
    bufferLogs: true,
    bodyParser: false,
  });
  configureApp(app);
  await startIngestionConsumer(app);
  const config = app.get<ConfigService<Environment, true>>(ConfigService);
  await app.listen(config.get('PORT', { infer: true }), config.get('HOST', { infer: true }));
}

bootstrap().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration): write plainly and exit non-zero.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
