/**
 * Running PowerShell from vitest (benchmarks and TypeScript-side checks): the PowerShell under test
 * (tools/powershell.mjs). Output objects come back through CLIXML (-OutputFormat XML).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { pwshPath } from '../../tools/powershell.mjs';


/** SESSIONTOOLS_PWSH, or the pinned PowerShell tool. */
export function pwshCommand(): { file: string; args: string[] } {
  return { file: pwshPath(), args: [] };
}

export interface PwshRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  /** Written to stdin, which is then closed. stdin is a closed pipe when absent (never a terminal). */
  input?: string;
  /** Added to (and overriding) this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the process (SIGKILL) and reject after this long; default 60 s. */
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();

/** Kills (by pid, SIGKILL) every PowerShell started by runPwsh that has not ended; for afterEach/afterAll. */
export function stopRunningPwsh(): void {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  running.clear();
}

export function runPwsh(args: string[], opts: RunOptions = {}): Promise<PwshRun> {
  const cmd = pwshCommand();
  const started = performance.now();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise<PwshRun>((resolvePromise, reject) => {
    const child = spawn(cmd.file, [...cmd.args, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {
      /* the process may exit before reading its input */
    });
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      reject(new Error(`pwsh ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolvePromise({
        exitCode: code ?? 128 + (signal ? signalNumber(signal) : 0),
        stdout,
        stderr,
        durationMs: performance.now() - started,
      });
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return table[signal] ?? 0;
}

/**
 * Runs `script` with -NoProfile -NonInteractive -OutputFormat XML -Command -, script on stdin;
 * returns the output objects; throws (with stderr) when exit code != 0 unless opts.allowFailure.
 *
 * `-Command -` alone runs stdin line by line like an interactive prompt (a multi-line `if`/`else`
 * or a function split over lines would break, and a failing line would not stop the next). So the
 * script is sent as one stdin line that dot-sources it as a single script block in the global
 * scope: it runs as a whole, like a script file, and `exit N` still gives exit code N.
 */
export async function pwshObjects(
  script: string,
  opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; allowFailure?: boolean } = {},
): Promise<unknown[]> {
  const encoded = Buffer.from(script, 'utf8').toString('base64');
  const line = `. ([scriptblock]::Create([System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('${encoded}'))))\n`;
  const run = await runPwsh(['-NoProfile', '-NonInteractive', '-OutputFormat', 'XML', '-Command', '-'], {
    input: line,
    env: opts.env,
    cwd: opts.cwd,
    timeoutMs: opts.timeoutMs,
  });
  if (run.exitCode !== 0 && !opts.allowFailure) {
    throw new Error(`pwsh exited with ${run.exitCode}\nstderr:\n${describeStderr(run.stderr)}\nstdout:\n${run.stdout}`);
  }
  return parseClixml(run.stdout);
}

/** stderr of an XML run is CLIXML too: show the error messages, not the whole serialization. */
function describeStderr(stderr: string): string {
  try {
    const objects = parseClixml(stderr);
    if (objects.length === 0) return stderr;
    return objects
      .map((o) => (o && typeof o === 'object' && '$string' in o ? String((o as { $string: unknown }).$string) : String(o)))
      .join('\n');
  } catch {
    return stderr;
  }
}

// ---------------------------------------------------------------- CLIXML

type XNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

/** The CLIXML escape for characters XML cannot carry: _xHHHH_ (and _x005F_ for a literal '_'). */
function unescapeClixml(s: string): string {
  return s.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function tagOf(node: XNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@');
}

function childrenOf(node: XNode): XNode[] {
  const tag = tagOf(node);
  const value = tag === undefined ? undefined : node[tag];
  return Array.isArray(value) ? (value as XNode[]) : [];
}

function textOf(node: XNode): string {
  return childrenOf(node)
    .map((c) => (typeof c['#text'] === 'string' || typeof c['#text'] === 'number' ? String(c['#text']) : ''))
    .join('');
}

function attr(node: XNode, name: string): string | undefined {
  return node[':@']?.[name];
}

/** ISO 8601 duration (xs:duration) as TimeSpan writes it, e.g. PT1H30M, -P1DT2.5S, to milliseconds. */
function durationMs(text: string): number {
  const m = /^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
  if (!m) throw new Error(`Not a CLIXML TimeSpan: ${text}`);
  const [, neg, d, h, min, s] = m;
  const ms = (((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60 + Number(s ?? 0)) * 1000;
  return neg ? -ms : ms;
}

function parseDate(text: string): Date {
  // .NET writes up to 7 fractional digits; JS keeps milliseconds.
  const trimmed = text.trim().replace(/(\.\d{3})\d+/, '$1');
  const d = new Date(trimmed);
  if (Number.isNaN(d.getTime())) throw new Error(`Not a CLIXML DateTime: ${text}`);
  return d;
}

const numberTags = new Set(['I32', 'I64', 'U32', 'U64', 'I16', 'U16', 'By', 'SB', 'Db', 'Sg', 'D']);
const stringTags = new Set(['S', 'G', 'URI', 'Version', 'XD', 'SBK', 'SS']);
const listTags = new Set(['LST', 'ARR', 'IE', 'STK', 'QUE']);

class ClixmlReader {
  private readonly objRefs = new Map<string, unknown>();
  private readonly typeRefs = new Map<string, string[]>();

  value(node: XNode): unknown {
    const tag = tagOf(node);
    if (tag === undefined || tag === '#text') return undefined;
    if (stringTags.has(tag)) return unescapeClixml(textOf(node));
    if (numberTags.has(tag)) return Number(textOf(node));
    switch (tag) {
      case 'B':
        return textOf(node).trim() === 'true';
      case 'Nil':
        return null;
      case 'C':
        return String.fromCharCode(Number(textOf(node)));
      case 'DT':
        return parseDate(textOf(node));
      case 'TS':
        return { $type: 'TimeSpan', totalMilliseconds: durationMs(textOf(node)) };
      case 'BA':
        return Buffer.from(textOf(node), 'base64');
      case 'Ref': {
        const id = attr(node, 'RefId');
        if (id === undefined || !this.objRefs.has(id)) throw new Error(`CLIXML Ref to unknown RefId ${id}`);
        return this.objRefs.get(id);
      }
      case 'Obj':
        return this.obj(node);
      default:
        return unescapeClixml(textOf(node));
    }
  }

  private obj(node: XNode): unknown {
    const refId = attr(node, 'RefId');
    const kids = childrenOf(node);
    let types: string[] = [];
    for (const k of kids) {
      const t = tagOf(k);
      if (t === 'TN') {
        types = childrenOf(k)
          .filter((c) => tagOf(c) === 'T')
          .map((c) => unescapeClixml(textOf(c)));
        const id = attr(k, 'RefId');
        if (id !== undefined) this.typeRefs.set(id, types);
      } else if (t === 'TNRef') {
        types = this.typeRefs.get(attr(k, 'RefId') ?? '') ?? [];
      }
    }

    // Collections become arrays, dictionaries plain objects (their type names are dropped).
    const list = kids.find((k) => listTags.has(tagOf(k) ?? ''));
    if (list) {
      const arr: unknown[] = [];
      if (refId !== undefined) this.objRefs.set(refId, arr);
      for (const item of childrenOf(list)) if (tagOf(item) !== '#text') arr.push(this.value(item));
      return arr;
    }
    const dct = kids.find((k) => tagOf(k) === 'DCT');
    if (dct) {
      const dict: Record<string, unknown> = {};
      if (refId !== undefined) this.objRefs.set(refId, dict);
      for (const en of childrenOf(dct)) {
        if (tagOf(en) !== 'En') continue;
        let key: unknown;
        let value: unknown;
        for (const part of childrenOf(en)) {
          if (attr(part, 'N') === 'Key') key = this.value(part);
          else if (attr(part, 'N') === 'Value') value = this.value(part);
        }
        dict[String(key)] = value;
      }
      return dict;
    }

    const toStringNode = kids.find((k) => tagOf(k) === 'ToString');
    const str = toStringNode ? unescapeClixml(textOf(toStringNode)) : undefined;
    // An enum is its name (the ToString), as PowerShell shows it.
    if (types.includes('System.Enum') && str !== undefined) {
      if (refId !== undefined) this.objRefs.set(refId, str);
      return str;
    }

    const result: Record<string, unknown> = { $types: types };
    if (str !== undefined) result.$string = str;
    if (refId !== undefined) this.objRefs.set(refId, result);
    for (const k of kids) {
      const t = tagOf(k);
      if (t === 'Props' || t === 'MS') {
        for (const p of childrenOf(k)) {
          const name = attr(p, 'N');
          if (name !== undefined) result[name] = this.value(p);
        }
      } else if (t && t !== 'TN' && t !== 'TNRef' && t !== 'ToString' && t !== '#text') {
        // A primitive carried inside an Obj (e.g. a string with note properties).
        result.$value = this.value(k);
      }
    }
    return result;
  }
}

/**
 * Reads the objects of every `<Objs>` document in `text` (the "#< CLIXML" header and any text
 * around the documents is ignored). See the mapping to JS values in the module docs above.
 */
export function parseClixml(text: string): unknown[] {
  const out: unknown[] = [];
  const docs = text.match(/<Objs\b[^>]*?\/>|<Objs\b[^>]*>[\s\S]*?<\/Objs>/g) ?? [];
  for (const doc of docs) {
    const tree = parser.parse(doc) as XNode[];
    const reader = new ClixmlReader();
    for (const root of tree) {
      if (tagOf(root) !== 'Objs') continue;
      for (const item of childrenOf(root)) {
        if (tagOf(item) === '#text' || tagOf(item) === undefined) continue;
        out.push(reader.value(item));
      }
    }
  }
  return out;
}
