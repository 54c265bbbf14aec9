import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';

const signals = new AsyncLocalStorage<AbortSignal>();

/**
 * Gives each request an AbortSignal that fires when the client goes away before the answer is
 * sent, so the stores can cancel work nobody waits for (requestSignal()). Mounted after the body
 * parser: its stream callbacks would otherwise run outside this request's async context.
 */
export function abortWhenClientLeaves(
  _request: Request,
  response: Response,
  next: NextFunction,
): void {
  const controller = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) controller.abort(new Error('the client closed the request'));
  });
  signals.run(controller.signal, next);
}

/** The current request's signal, or undefined outside a request (jobs, the Kafka consumer). */
export function requestSignal(): AbortSignal | undefined {
  return signals.getStore();
}

/**
 * Runs `work` with `signal` as the current request's signal, so the stores stop its reads when
 * it fires (an analytics query's own deadline, on top of the client going away).
 */
export function runWithSignal<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return signals.run(signal, work);
}
