/**
 * A copy of the app that purges one tenant (PURGE_TENANT_ID) and stalls forever in a purge step
 * of its own, registered after the PostgreSQL and ClickHouse steps: the parent test kills it
 * there with SIGKILL, the crash a purge must survive. Run by tenant-purge.e2e-spec.ts.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { TenantPurgeService, SYSTEM_ACTOR } from '../../src/tenancy/lifecycle/tenant-purge.service';
import { TenantPurgeRegistry } from '../../src/tenancy/tenant-purge.registry';

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(await AppModule.forRoot(), {
    logger: false,
  });
  app.get(TenantPurgeRegistry).register({
    name: 'stall',
    purge: () => {
      process.stdout.write('STALLED\n');
      return new Promise<never>(() => undefined);
    },
  });
  await app
    .get(TenantPurgeService)
    .purge(process.env.PURGE_TENANT_ID!, { force: true, actor: SYSTEM_ACTOR });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
