import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBash } from './backup-command';

/** Running (a zombie waiting for a reaper that never comes, in a container, is not). */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
};

describe('runBash', () => {
  let dir: string;
  const script = (body: string) => {
    const path = join(dir, 'script.sh');
    writeFileSync(path, body);
    return path;
  };
  const options = (timeoutMs: number, signal = new AbortController().signal) => ({
    cwd: dir,
    env: { ...process.env, GREETING: 'hello' },
    timeoutMs,
    signal,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tenantry-run-bash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes arguments verbatim (no shell parses them) and the given environment', async () => {
    const result = await runBash(
      script('printf "%s|" "$@"; echo "$GREETING"; echo oops >&2; exit 7'),
      ['create', '$(touch pwned)', 'a b'],
      options(10_000),
    );
    expect(result).toEqual({
      code: 7,
      signal: null,
      timedOut: false,
      stdout: 'create|$(touch pwned)|a b|hello\n',
      stderr: 'oops\n',
    });
  });

  it('passes on each stderr line as progress, bounded in length', async () => {
    const lines: string[] = [];
    const result = await runBash(
      script(
        'echo "step 1" >&2; sleep 0.1; printf "step 2\\n\\nstep " >&2; echo 3 >&2; head -c 2000 /dev/zero | tr "\\0" y >&2; echo >&2',
      ),
      [],
      { ...options(10_000), onProgress: (line) => lines.push(line) },
    );
    expect(result.code).toBe(0);
    expect(lines).toEqual(['step 1', 'step 2', 'step 3', 'y'.repeat(500)]);
  });

  it('keeps only the last 64 KiB of each stream', async () => {
    const result = await runBash(
      script('head -c 1000000 /dev/zero | tr "\\0" x; echo END'),
      [],
      options(10_000),
    );
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBe(64 * 1024);
    expect(result.stdout.endsWith('xEND\n')).toBe(true);
  });

  it('stops the whole process group at the timeout, children included', async () => {
    const result = await runBash(
      script(`sleep 30 & echo $! > ${join(dir, 'child.pid')}; wait`),
      [],
      options(500),
    );
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGTERM' });
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    // SIGTERM went to the group: the background sleep is gone too.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(child)).toBe(false);
  });

  it('stops the command when the signal aborts (the app shutting down)', async () => {
    const controller = new AbortController();
    const running = runBash(script('sleep 30'), [], options(60_000, controller.signal));
    setTimeout(() => controller.abort(), 200);
    expect(await running).toMatchObject({ timedOut: false, signal: 'SIGTERM' });
  });
});
