import type { Request } from 'express';

/** The route as declared (/v1/users/:id), not as called: a bounded label for logs and metrics. */
export function routeTemplate(request: Request): string {
  const template = (request.route as { path?: string } | undefined)?.path;
  return template ? `${request.baseUrl}${template}` : request.path;
}
