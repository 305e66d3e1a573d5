/** Comment-based help for one function, from the catalog's JSDoc. */
import type { Command } from './sources.ts';

function wrap(text: string, width = 92): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) { out.push(line); line = word; }
      else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(line);
    out.push('');
  }
  while (out[out.length - 1] === '') out.pop();
  return out;
}

/** Help for `c`; its .LINK entries are every command of the module. */
export function emitHelp(c: Command, inputs: string, links: string[]): string {
  const lines: string[] = ['<#', '.SYNOPSIS', ...wrap(c.help.synopsis), '', '.DESCRIPTION', ...wrap(c.help.description)];
  for (const p of c.parameters) {
    lines.push('', `.PARAMETER ${p.name}`, ...wrap(c.parameterHelp[p.name] ?? ''));
  }
  for (const example of c.help.examples) {
    lines.push('', '.EXAMPLE', `PS> ${example.code}`, '', ...wrap(example.remarks));
  }
  lines.push('', '.INPUTS', inputs, '', '.OUTPUTS', c.outputType);
  for (const link of links) lines.push('', '.LINK', link);
  lines.push('#>');
  return lines.join('\n');
}
