import { spawn } from 'node:child_process';

/** Kept of each output stream: the end, where a failing script says why. */
const OUTPUT_TAIL_BYTES = 64 * 1024;
/** Progress lines passed on per command, each cut to this length: a runaway loop stays bounded. */
const MAX_PROGRESS_LINES = 1_000;
const MAX_PROGRESS_LINE = 500;
/** After SIGTERM, a command that has not exited in this long is killed. */
const KILL_GRACE_MS = 10_000;

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bash <script> <args>` without a shell between (arguments are never parsed), in its own
 * process group so a timeout stops the whole tree (pg_basebackup, zstd, ...) and not only bash.
 * Only the tail of each stream is kept, so a chatty script cannot grow the app's memory. `signal`
 * (the app shutting down) stops it like the timeout does.
 */
export function runBash(
  script: string,
  args: string[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    timeoutMs: number;
    signal: AbortSignal;
    /** Each stderr line as it comes (the script's progress), at most MAX_PROGRESS_LINES. */
    onProgress?: (line: string) => void;
  },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = new OutputTail();
    const stderr = new OutputTail();
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
    let partial = '';
    let progressLines = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.add(chunk);
      if (!options.onProgress) return;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!.slice(0, MAX_PROGRESS_LINE);
      for (const line of lines) {
        if (progressLines >= MAX_PROGRESS_LINES || !line.trim()) continue;
        progressLines += 1;
        options.onProgress(line.slice(0, MAX_PROGRESS_LINE));
      }
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    const stop = () => {
      if (killTimer) return;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS);
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    options.signal.addEventListener('abort', stop, { once: true });
    const settle = () => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      options.signal.removeEventListener('abort', stop);
    };
    child.on('error', (error) => {
      settle();
      reject(error);
    });
    child.on('close', (code, signal) => {
      settle();
      resolve({ code, signal, timedOut, stdout: stdout.text(), stderr: stderr.text() });
    });
  });
}

/** The last OUTPUT_TAIL_BYTES of a stream. */
class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes - this.chunks[0].length >= OUTPUT_TAIL_BYTES) {
      this.bytes -= this.chunks.shift()!.length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - OUTPUT_TAIL_BYTES)).toString('utf8');
  }
}
