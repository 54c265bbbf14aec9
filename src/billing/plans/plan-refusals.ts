import { ForbiddenException } from '@nestjs/common';
import type { Feature } from './plan-terms';

/** 403: the tenant's plan lacks a feature; the body names it and the plans that include it. */
export class FeatureNotInPlanException extends ForbiddenException {
  constructor(feature: Feature, plan: string, plans: readonly string[]) {
    super({
      statusCode: 403,
      error: 'Forbidden',
      message:
        `The ${plan} plan does not include ${feature}` +
        (plans.length > 0 ? `; it comes with: ${plans.join(', ')}` : ''),
      feature,
      plan,
      plans: [...plans],
    });
  }
}

/** What a count limit counts. */
export type LimitedResource = 'users' | 'event_sources';

/** 403: a count limit of the plan is reached; what exists stays, nothing more is added. */
export class PlanLimitReachedException extends ForbiddenException {
  constructor(resource: LimitedResource, limit: number, current: number, plan: string) {
    super({
      statusCode: 403,
      error: 'Forbidden',
      message: `The ${plan} plan allows ${limit} ${resource.replace('_', ' ')}; the tenant has ${current}`,
      resource,
      limit,
      current,
      plan,
    });
  }
}
