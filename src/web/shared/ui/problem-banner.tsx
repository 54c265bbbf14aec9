import type { ApiProblem } from '../api';

/** An API refusal, shown with its message and the field it names. */
export function ProblemBanner({ problem }: { problem: ApiProblem | undefined }) {
  if (!problem) return null;
  return (
    <div class="problem" role="alert" data-status={problem.status}>
      <strong>{problem.message}</strong>
      {Object.entries(problem.fields).length > 0 && (
        <ul>
          {Object.entries(problem.fields).map(([field, message]) => (
            <li key={field}>
              <code>{field}</code>: {message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
