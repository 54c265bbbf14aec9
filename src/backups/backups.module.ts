import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import type { Environment } from '../config/environment';
import { BackupCatalogueService } from './backup-catalogue.service';
import { BackupGaugesService } from './backup-gauges.service';
import { BackupJobProcessor } from './backup-job.processor';
import { BackupJobScheduler } from './backup-job.scheduler';
import { BACKUP_JOB, BACKUP_QUEUE, backupJob } from './backup.job';
import { BackupRunner } from './backup.runner';
import { BACKUP_SCHEDULE_OFF } from './backup-schedule';
import { BackupStatusService } from './backup-status.service';
import { BackupTimer } from './backup.timer';
import { BackupsAdminController } from './backups.admin.controller';
import { WalArchiveRepository } from './wal-archive.repository';

/**
 * Backups, as the app sees them: GET /admin/backups and the backup gauges (read from BACKUP_DIR
 * and pg_stat_archiver), and the platform-backups job that runs scripts/backup.sh. The job runs
 * only when BACKUP_DIR is set and BACKUP_SCHEDULE is not `off`: on a shared development cluster
 * a nightly backup of every database would fill the disk. A BullMQ repeatable job when Redis is
 * configured (one run per schedule across every app copy; the queue shares the root BullMQ
 * connection and its database-named prefix), an in-process timer otherwise.
 */
@Module({})
export class BackupsModule {
  static register(
    environment: Pick<Environment, 'REDIS_URL' | 'BACKUP_DIR' | 'BACKUP_SCHEDULE'>,
  ): DynamicModule {
    const providers: Provider[] = [
      BackupCatalogueService,
      BackupStatusService,
      BackupGaugesService,
      WalArchiveRepository,
    ];
    const scheduled = environment.BACKUP_DIR && environment.BACKUP_SCHEDULE !== BACKUP_SCHEDULE_OFF;
    if (!scheduled) {
      return { module: BackupsModule, controllers: [BackupsAdminController], providers };
    }
    const job = { provide: BACKUP_JOB, useValue: backupJob(environment.BACKUP_SCHEDULE) };
    return {
      module: BackupsModule,
      imports: [
        AuditModule,
        ...(environment.REDIS_URL ? [BullModule.registerQueue({ name: BACKUP_QUEUE })] : []),
      ],
      controllers: [BackupsAdminController],
      providers: [
        ...providers,
        job,
        BackupRunner,
        ...(environment.REDIS_URL ? [BackupJobScheduler, BackupJobProcessor] : [BackupTimer]),
      ],
    };
  }
}
