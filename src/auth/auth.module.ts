import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuditModule } from '../audit/audit.module';
import { PlansModule } from '../billing/plans/plans.module';
import type { Environment } from '../config/environment';
import { TenancyModule } from '../tenancy/tenancy.module';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { ApiKeysService } from './api-keys/api-keys.service';
import { CredentialsService } from './credentials.service';
import { AuthController } from './login/auth.controller';
import { RefreshTokensRepository } from './login/refresh-tokens.repository';
import { SessionService } from './login/session.service';
import { PasswordHasher } from './password.hasher';
import { PlatformAdminAuthController } from './platform-admins/platform-admin-auth.controller';
import { PlatformAdminRefreshTokensRepository } from './platform-admins/platform-admin-refresh-tokens.repository';
import {
  ADMIN_REFRESHES,
  PlatformAdminSessionsService,
} from './platform-admins/platform-admin-sessions.service';
import { PlatformAdminsRepository } from './platform-admins/platform-admins.repository';
import { PlatformAdminsService } from './platform-admins/platform-admins.service';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { PasswordSetTokensRepository } from './users/password-set-tokens.repository';
import { PasswordSetupService } from './users/password-setup.service';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';
import { OidcIssuersDirectory, SSO_DISCOVERIES } from './sso/oidc-issuers.directory';
import { SsoConnectionsRepository } from './sso/sso-connections.repository';
import { SsoConnectionsService } from './sso/sso-connections.service';
import { SsoLoginController } from './sso/sso-login.controller';
import { SSO_LOGINS, SsoLoginService } from './sso/sso-login.service';
import { SsoController } from './sso/sso.controller';

/**
 * Who may call: tenant users and their logins, API keys, platform admins, and the credentials
 * service that turns a bearer token into a Caller (for the tenant scope's guards).
 */
@Module({
  imports: [
    AuditModule,
    PlansModule,
    TenancyModule,
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => {
        const redisUrl = config.get('REDIS_URL', { infer: true });
        return {
          throttlers: [
            { ttl: 60_000, limit: config.get('LOGIN_RATE_LIMIT_PER_MINUTE', { infer: true }) },
          ],
          ...(redisUrl
            ? {
                storage: new RedisThrottlerStorage(
                  redisUrl,
                  config.get('DATABASE_NAME', { infer: true }),
                ),
              }
            : {}),
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
  controllers: [
    UsersController,
    AuthController,
    ApiKeysController,
    PlatformAdminAuthController,
    SsoController,
    SsoLoginController,
  ],
  providers: [
    CredentialsService,
    PasswordHasher,
    UsersService,
    SessionService,
    ApiKeysService,
    PlatformAdminsService,
    PlatformAdminSessionsService,
    PasswordSetupService,
    UsersRepository,
    RefreshTokensRepository,
    ApiKeysRepository,
    PasswordSetTokensRepository,
    PlatformAdminsRepository,
    // SSO (src/auth/sso): a tenant's OIDC identity provider and the logins through it.
    SsoConnectionsService,
    SsoConnectionsRepository,
    SsoLoginService,
    OidcIssuersDirectory,
    makeCounterProvider({
      name: SSO_LOGINS,
      help: 'SSO logins by outcome (succeeded, failed) and the reason of a failure',
      labelNames: ['outcome', 'reason'],
    }),
    makeCounterProvider({
      name: SSO_DISCOVERIES,
      help: "Identity providers' discovery documents read (read) or not (failed)",
      labelNames: ['outcome'],
    }),
    PlatformAdminRefreshTokensRepository,
    makeCounterProvider({
      name: ADMIN_REFRESHES,
      help: 'Operator console session refreshes by outcome (rotated, reused: family revoked, disabled, invalid)',
      labelNames: ['outcome'],
    }),
  ],
  // UsersRepository: the tenant pipeline checks a user token's user on every request.
  exports: [
    CredentialsService,
    UsersService,
    UsersRepository,
    ApiKeysService,
    PasswordSetupService,
    PasswordHasher,
    RefreshTokensRepository,
    JwtModule,
  ],
})
export class AuthModule {}
