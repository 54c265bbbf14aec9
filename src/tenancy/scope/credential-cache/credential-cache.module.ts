import { Global, Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { CREDENTIAL_CACHE_LOOKUPS, CredentialCacheStore } from './credential-cache.store';
import {
  CREDENTIAL_INVALIDATIONS,
  CredentialInvalidationListener,
} from './credential-invalidation.listener';

/**
 * The credential and tenant cache of the tenant pipeline and its cross-copy invalidation.
 * Global: the services that change credentials or tenants (auth, tenancy, lifecycle) announce
 * changes through it without importing the pipeline's module.
 */
@Global()
@Module({
  providers: [
    CredentialCacheStore,
    CredentialInvalidationListener,
    makeCounterProvider({
      name: CREDENTIAL_CACHE_LOOKUPS,
      help: 'Credential cache lookups by cache (api_key, user, tenant) and outcome (hit, miss)',
      labelNames: ['cache', 'outcome'],
    }),
    makeCounterProvider({
      name: CREDENTIAL_INVALIDATIONS,
      help: 'Credential cache invalidations by source (local, remote, publish_failed)',
      labelNames: ['source'],
    }),
  ],
  exports: [CredentialCacheStore, CredentialInvalidationListener],
})
export class CredentialCacheModule {}
