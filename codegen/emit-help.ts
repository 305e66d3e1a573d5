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

export function emitHelp(c: Command, inputs: string): string {
  const lines: string[] = ['<#', '.SYNOPSIS', ...wrap(c.help.synopsis), '', '.DESCRIPTION', ...wrap(c.help.description)];
  for (const name of Object.keys(c.decl.parameters)) {
    lines.push('', `.PARAMETER ${name}`, ...wrap(c.parameterHelp[name] ?? ''));
  }
  for (const example of c.help.examples) {
    lines.push('', '.EXAMPLE', `PS> ${example.code}`, '', ...wrap(example.remarks));
  }
  lines.push('', '.INPUTS', inputs, '', '.OUTPUTS', c.decl.outputType, '', '.LINK', 'Get-UserSession', '', '.LINK', 'Stop-UserSession', '', '.LINK', 'Disconnect-UserSession', '#>');
  return lines.join('\n');
}
