import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A local OpenID Provider (provider.mjs) in a child process. */
export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

export async function startIdp(options: {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  emailInIdToken: boolean;
  otherClients?: { clientId: string; clientSecret: string }[];
}): Promise<TestIdp> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(__dirname, 'provider.mjs'), JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr?.resume();
  const issuer = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { issuer: string }).issuer));
    child.once('exit', (code) => reject(new Error(`the test OIDC provider exited (${code})`)));
  });
  return {
    issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Cookies per host:port, the way a browser would keep them for these tests (paths ignored). */
export class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();

  store(url: string, response: Response): void {
    const host = new URL(url).host;
    const jar = this.jars.get(host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(at + 1).trim());
    }
    this.jars.set(host, jar);
  }

  header(url: string): string {
    const jar = this.jars.get(new URL(url).host);
    return jar ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : '';
  }

  get(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).host)?.get(name);
  }

  set(url: string, name: string, value: string): void {
    const host = new URL(url).host;
    const jar = this.jars.get(host) ?? new Map<string, string>();
    jar.set(name, value);
    this.jars.set(host, jar);
  }
}

/** One request without following redirects, cookies from and into the jar. */
export async function hop(
  jar: CookieJar,
  url: string,
  init: { method?: string; form?: Record<string, string> } = {},
): Promise<{ status: number; location: string | null; text: string; response: Response }> {
  const headers: Record<string, string> = { cookie: jar.header(url) };
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const response = await fetch(url, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    headers,
    body,
    redirect: 'manual',
  });
  jar.store(url, response);
  const location = response.headers.get('location');
  return {
    status: response.status,
    location: location ? new URL(location, url).href : null,
    text: await response.text(),
    response,
  };
}

/**
 * Drives the provider's login and consent forms from its authorization URL until it redirects
 * to `redirectPrefix`; answers that redirect URL (with code, state and iss).
 */
export async function loginAtIdp(
  jar: CookieJar,
  authorizationUrl: string,
  login: string,
  redirectPrefix: string,
): Promise<string> {
  let url = authorizationUrl;
  let form: Record<string, string> | undefined;
  for (let hops = 0; hops < 20; hops += 1) {
    const answer = await hop(jar, url, form ? { form } : {});
    form = undefined;
    if (answer.location) {
      if (answer.location.startsWith(redirectPrefix)) return answer.location;
      url = answer.location;
      continue;
    }
    if (answer.status !== 200)
      throw new Error(`IdP answered ${answer.status} at ${url}: ${answer.text.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(answer.text)?.[1];
    if (!action) throw new Error(`no form at ${url}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    form = answer.text.includes('name="login"')
      ? { prompt: 'login', login, password: 'any password' }
      : { prompt: 'consent' };
  }
  throw new Error('the IdP never redirected back');
}
