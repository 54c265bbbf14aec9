import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Environment } from '../config/environment';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { CredentialsService } from './credentials.service';
import { AuthController } from './login/auth.controller';
import { SessionService } from './login/session.service';
import { PasswordHasher } from './password-hasher';
import { PlatformAdminAuthController } from './platform-admins/platform-admin-auth.controller';
import { PlatformAdminsService } from './platform-admins/platform-admins.service';
import { TenantTransactionInterceptor } from './tenant-transaction.interceptor';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { PasswordSetupService } from './users/password-setup.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';
import { PlatformAdminGuard } from './platform-admin.guard';
import { TenantAuthGuard } from './tenant-auth.guard';

/** Credentials and the guards every module's routes use; global so guards resolve anywhere. */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => {
        const redisUrl = config.get('REDIS_URL', { infer: true });
        return {
          throttlers: [
            { ttl: 60_000, limit: config.get('LOGIN_RATE_LIMIT_PER_MINUTE', { infer: true }) },
          ],
          ...(redisUrl ? { storage: new RedisThrottlerStorage(redisUrl) } : {}),
        };
      },
    }),
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => ({
        secret: config.get('JWT_SECRET', { infer: true }),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [UsersController, AuthController, ApiKeysController, PlatformAdminAuthController],
  providers: [
    CredentialsService,
    PlatformAdminGuard,
    TenantAuthGuard,
    PasswordHasher,
    UsersService,
    SessionService,
    ApiKeysService,
    PlatformAdminsService,
    PasswordSetupService,
    TenantTransactionInterceptor,
  ],
  exports: [
    CredentialsService,
    PlatformAdminGuard,
    TenantAuthGuard,
    TenantTransactionInterceptor,
    UsersService,
    PasswordSetupService,
    JwtModule,
  ],
})
export class AuthModule {}
