import { appSourceFiles, type SourceFile } from './source-files';

/**
 * Controllers say what the request carries with parameter decorators (@CurrentTenant(),
 * @Caller(), @Actor()); reaching into the Express request for the tenant or the caller hides
 * what a handler depends on. @Req() stays allowed for headers and the URL.
 */
export function controllersReachingIntoTheRequest(files: SourceFile[]): string[] {
  return files
    .filter((file) => file.path.endsWith('.controller.ts'))
    .flatMap((file) => {
      const found: string[] = [];
      if (/\bTenantRequest\b/.test(file.text)) found.push('imports TenantRequest');
      if (/\brequest\.(tenant|caller|principal)\b/.test(file.text)) {
        found.push('reads the tenant or caller off the request');
      }
      return found.map((problem) => `${file.path}: ${problem}`);
    });
}

describe('controllers take the tenant and caller as parameters', () => {
  it('no controller reads the tenant or the caller off the Express request', () => {
    expect(controllersReachingIntoTheRequest(appSourceFiles())).toEqual([]);
  });

  it('catches a planted violation', () => {
    const planted = {
      path: 'x/things.controller.ts',
      text: "import type { TenantRequest } from '../tenancy/scope/tenant-request';\nconst id = request.tenant!.id;",
    };
    const service = { path: 'x/things.service.ts', text: 'request.tenant' };
    expect(controllersReachingIntoTheRequest([planted, service])).toEqual([
      'x/things.controller.ts: imports TenantRequest',
      'x/things.controller.ts: reads the tenant or caller off the request',
    ]);
  });
});
