/**
 * Runs a command in a real pseudo-terminal, through util-linux `script -qfec "<cmd>" /dev/null`
 * (no native node module). What is written goes to the terminal as typed keys ("\x03" is Ctrl+C,
 * which the terminal turns into SIGINT for its foreground program); what the program shows is
 * collected as raw terminal output (with "\r\n" and escape sequences).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface PtyProcess {
  /** pid of the `script` process started here. */
  pid: number;
  /** Types text into the terminal. */
  write(text: string): void;
  /**
   * Resolves when `pattern` matches the output that arrived after the previous successful waitFor
   * (so a prompt shown again is waited for again), with that output up to the end of the match;
   * rejects after timeoutMs (default 15 s) with the output so far.
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Everything the terminal showed so far. */
  output(): string;
  /** Signals the whole tree (script, the program in the terminal, its children), by pid. */
  kill(signal?: NodeJS.Signals): void;
  /** Exit code of the program in the terminal (script -e passes it on); null if killed by a signal. */
  exited: Promise<number | null>;
}

/** Quotes one word for /bin/sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The pids of every descendant of `pid`, read from /proc (children before their parents' siblings). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may contain spaces and parentheses, so split after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(name), Number(rest[1]));
    } catch {
      /* ended meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

export function spawnInPty(
  file: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; cols?: number; rows?: number } = {},
): PtyProcess {
  const cols = opts.cols ?? 120;
  const rows = opts.rows ?? 40;
  // The terminal's size is set before the program starts, then the shell is replaced by it.
  const command = `stty cols ${cols} rows ${rows} 2>/dev/null; exec ${[file, ...args].map(shellQuote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: opts.cwd,
    env: { ...process.env, TERM: 'xterm-256color', ...opts.env, SHELL: '/bin/sh' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not start script(1)');
  const pid = child.pid;

  let out = '';
  let cursor = 0;
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString('utf8');
    for (const l of [...listeners]) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.stdin.on('error', () => {
    /* terminal gone */
  });

  const exited = new Promise<number | null>((resolveExit) => {
    child.on('exit', (code) => {
      resolveExit(code);
      for (const l of [...listeners]) l();
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  return {
    pid,
    write(text: string) {
      child.stdin.write(text);
    },
    waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
      return new Promise<string>((resolveWait, reject) => {
        const check = () => {
          const rest = out.slice(cursor);
          const m = pattern.exec(rest);
          if (m) {
            const end = cursor + m.index + m[0].length;
            const seen = out.slice(cursor, end);
            cursor = end;
            done();
            resolveWait(seen);
          } else if (hasExited) {
            done();
            reject(new Error(`program ended before ${pattern} appeared; output:\n${JSON.stringify(out.slice(cursor))}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output since last match:\n${JSON.stringify(out.slice(cursor))}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    output: () => out,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      // The program runs in a session of its own (script made it), so a process group kill would
      // miss it: signal every descendant by pid, deepest first, then script itself.
      for (const p of descendants(pid).reverse()) {
        try {
          process.kill(p, signal);
        } catch {
          /* gone */
        }
      }
      try {
        process.kill(pid, signal);
      } catch {
        /* gone */
      }
    },
    exited,
  };
}
