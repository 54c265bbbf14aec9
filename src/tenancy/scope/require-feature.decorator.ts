import { applyDecorators, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import type { Feature } from '../../billing/plans/plan-terms';

export const REQUIRED_FEATURE = 'tenantry:required-feature';

/**
 * A tenant route (beside @RequirePermissions) that only plans including `feature` may use.
 * TenantAuthGuard checks it right after resolving the tenant, before any work: a plan without
 * it answers 403 with `feature`, the tenant's `plan` and the `plans` that include it. Published
 * in the OpenAPI document as `x-feature` (and in the 403's description).
 */
export const RequireFeature = (feature: Feature) =>
  applyDecorators(SetMetadata(REQUIRED_FEATURE, feature), ApiExtension('x-feature', feature));

export const FEATURE_FIELDS = 'tenantry:feature-fields';

/** Body fields a feature governs, each with the value every plan may send (the default). */
export type FeatureFields = Readonly<Record<string, string | null>>;

/**
 * A tenant route whose body sets some things every plan may and some only plans including
 * `feature` may (PUT /v1/branding: embed origins for all, a theme of one's own for white
 * label). TenantAuthGuard refuses it, like @RequireFeature, when the body gives any of `fields`
 * a value other than its free one (strings compared in any letter case). Published as
 * `x-feature` with `x-feature-fields`.
 */
export const RequireFeatureFor = (feature: Feature, fields: FeatureFields) =>
  applyDecorators(
    SetMetadata(REQUIRED_FEATURE, feature),
    SetMetadata(FEATURE_FIELDS, fields),
    ApiExtension('x-feature', feature),
    ApiExtension('x-feature-fields', Object.keys(fields)),
  );

const reflector = new Reflector();

/** The fields a route's feature governs (RequireFeatureFor), or undefined: the whole route. */
export function featureFieldsOf(context: ExecutionContext): FeatureFields | undefined {
  return reflector.getAllAndOverride<FeatureFields | undefined>(FEATURE_FIELDS, [
    context.getHandler(),
    context.getClass(),
  ]);
}

/** Whether `body` sets any governed field to something other than its free value. */
export function bodyUsesFeature(body: unknown, fields: FeatureFields): boolean {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const values = body as Record<string, unknown>;
  return Object.entries(fields).some(([field, free]) => {
    if (!Object.prototype.hasOwnProperty.call(values, field)) return false;
    const value = values[field];
    if (typeof value === 'string' && typeof free === 'string') {
      return value.toLowerCase() !== free.toLowerCase();
    }
    return value !== free;
  });
}

/** The feature a route requires (a handler's own overrides its controller's), if any. */
export function requiredFeatureOf(context: ExecutionContext): Feature | undefined {
  return reflector.getAllAndOverride<Feature | undefined>(REQUIRED_FEATURE, [
    context.getHandler(),
    context.getClass(),
  ]);
}
