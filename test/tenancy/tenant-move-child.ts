/**
 * A copy of the app that runs one tenant move and dies by SIGKILL as soon as the move reaches
 * MOVE_KILL_AT (a state, e.g. verifying: inside the hold, before the flip): the crash a move must
 * survive. Run by test/tenancy/tenant-move.e2e-spec.ts as a child process, with MOVE_ID.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { TenantMoveService } from '../../src/tenancy/moves/tenant-move.service';
import { TenantMovesRepository } from '../../src/tenancy/moves/tenant-moves.repository';

const transition = TenantMovesRepository.prototype.transition;
TenantMovesRepository.prototype.transition = async function (this: TenantMovesRepository, ...args) {
  const changed = await transition.apply(this, args);
  if (args[2] === process.env.MOVE_KILL_AT) {
    process.stdout.write(`KILLED AT ${args[2]}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  return changed;
};

async function main(): Promise<void> {
  @Module({ imports: [await AppModule.forRoot()] })
  class MoverModule {}
  const app = await NestFactory.createApplicationContext(MoverModule, { logger: false });
  await app.get(TenantMoveService).run(process.env.MOVE_ID!);
  process.stdout.write('MOVE ENDED\n');
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
