import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isProblem, problemOf, type ApiProblem } from './api';

export interface Resource<T> {
  data: T | undefined;
  problem: ApiProblem | undefined;
  /** True while a load runs; pages show <Loading>, which itself waits 200 ms before it shows. */
  loading: boolean;
  reload(): void;
}

/**
 * Loads what a page shows, again whenever `deps` change, and keeps only the newest answer (a
 * slow earlier load never overwrites a newer one). Errors become the API's problem, shown by
 * <ProblemBanner>.
 */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    const ticket = ++latest.current;
    setLoading(true);
    load().then(
      (value) => {
        if (ticket !== latest.current) return;
        setData(value);
        setProblem(undefined);
        setLoading(false);
      },
      (error: unknown) => {
        if (ticket !== latest.current) return;
        setProblem(isProblem(error) ? error : problemOf(0, { message: String(error) }));
        setLoading(false);
      },
    );
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data, problem, loading, reload };
}

/** For forms: runs an action, holding its problem for the form to show beside the fields. */
export function useAction<A extends unknown[], T>(
  action: (...args: A) => Promise<T>,
): {
  run: (...args: A) => Promise<T | undefined>;
  busy: boolean;
  problem: ApiProblem | undefined;
  reset(): void;
} {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined);
  const run = async (...args: A): Promise<T | undefined> => {
    setBusy(true);
    setProblem(undefined);
    try {
      return await action(...args);
    } catch (error) {
      setProblem(isProblem(error) ? error : problemOf(0, { message: String(error) }));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, problem, reset: () => setProblem(undefined) };
}
