import type { ApiProblem } from '../../shared/api';

/**
 * Instead of a form the API would refuse: the plan lacks the feature (its 403 names the feature,
 * the tenant's plan and the plans that include it), so the page says which plan brings it.
 */
export function PlanFeatureNotice({
  problem,
  what,
}: {
  problem: ApiProblem & { planFeature: NonNullable<ApiProblem['planFeature']> };
  what: string;
}) {
  const { plan, plans } = problem.planFeature;
  return (
    <section class="card notice" aria-label="Not in your plan">
      <p>
        <strong>
          {what}{' '}
          {plans.length > 0
            ? `comes with the ${joinPlans(plans)} plan`
            : 'is not offered on any plan'}
          {plans.length > 1 ? 's' : ''}.
        </strong>{' '}
        Your workspace is on the {plan} plan. Ask the platform operator to change your plan.
      </p>
    </section>
  );
}

function joinPlans(plans: readonly string[]): string {
  return plans.length <= 1
    ? plans.join('')
    : `${plans.slice(0, -1).join(', ')} or ${plans[plans.length - 1]}`;
}

/** Whether a load failed because the plan lacks the feature (then show <PlanFeatureNotice>). */
export function isPlanFeatureProblem(
  problem: ApiProblem | undefined,
): problem is ApiProblem & { planFeature: NonNullable<ApiProblem['planFeature']> } {
  return problem?.planFeature !== undefined;
}
