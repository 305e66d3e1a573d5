/**
 * Tab completion of -UserName and -Id, emitted into the .psm1: one completer script block, made in
 * the module's scope (so it calls the module's own Get-UserSession), registered with
 * Register-ArgumentCompleter for every command that has such a parameter. It offers the live
 * sessions of the computer that -ComputerName names on the command line (or of this one), and
 * keeps each computer's listing for CACHE_SECONDS, so that the keystrokes of one command line ask
 * the helper once. A computer that does not answer within TIMEOUT_SEC offers no session (no error is
 * shown while typing, nor kept in $Error: ErrorAction Ignore). Windows PowerShell 5.1 syntax: Register-ArgumentCompleter exists since 5.0.
 */
import { psArray } from './powershell.ts';
import type { Sources } from './sources.ts';

/** The parameters completed, and the session property whose values they offer. */
const COMPLETED = { UserName: 'UserName', Id: 'SessionId' } as const;

/** How long one computer's sessions are offered again without asking. */
export const CACHE_SECONDS = 5;
/** How long completion waits for a remote computer (-TimeoutSec of its listing). */
const TIMEOUT_SEC = 3;

const COMPLETER = `$script:SessionToolsCompletion = @{}
$script:SessionToolsCompleter = {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    $computer = ''
    if ($fakeBoundParameters.ContainsKey('ComputerName')) { $computer = [string] @($fakeBoundParameters['ComputerName'])[0] }
    $cached = $script:SessionToolsCompletion[$computer]
    if ($null -eq $cached -or $cached.Until -lt [DateTime]::UtcNow) {
        $listing = @{ ErrorAction = 'Ignore' }
        if ($computer) { $listing.ComputerName = $computer; $listing.TimeoutSec = ${TIMEOUT_SEC} }
        $cached = @{ Until = [DateTime]::UtcNow.AddSeconds(${CACHE_SECONDS}); Sessions = @(Get-UserSession @listing) }
        $script:SessionToolsCompletion[$computer] = $cached
    }
    $typed = [System.Management.Automation.WildcardPattern]::Escape(([string] $wordToComplete).Trim([char[]] "'\`"")) + '*'
    if ($parameterName -eq 'UserName') {
        $names = @($cached.Sessions | ForEach-Object { $_.UserName } | Where-Object { $_ -like $typed } | Sort-Object -Unique)
        foreach ($name in $names) {
            $text = if ($name -match '[\\s''"\`$(){};,|&@#<>]') { "'" + $name.Replace("'", "''") + "'" } else { $name }
            [System.Management.Automation.CompletionResult]::new($text, $name, 'ParameterValue', $name)
        }
    } else {
        foreach ($s in @($cached.Sessions | Where-Object { [string] $_.SessionId -like $typed } | Sort-Object SessionId)) {
            $tip = "$($s.SessionId) $($s.UserName) $($s.SessionName) $($s.State)"
            [System.Management.Automation.CompletionResult]::new([string] $s.SessionId, $tip, 'ParameterValue', $tip)
        }
    }
}`;

export function emitCompletion(s: Sources): string {
  const registrations = Object.keys(COMPLETED).flatMap((parameter) => {
    const commands = s.commands.filter((c) => c.parameters.some((p) => p.name === parameter)).map((c) => c.Name);
    return commands.length === 0 ? [] : [`Register-ArgumentCompleter -CommandName ${psArray(commands)} -ParameterName '${parameter}' -ScriptBlock $script:SessionToolsCompleter`];
  });
  return [
    '# Tab completion of -UserName and -Id from the live sessions of the computer -ComputerName names',
    `# (or this one), each computer's listing kept ${CACHE_SECONDS} seconds (codegen/emit-completion.ts).`,
    COMPLETER,
    ...registrations,
  ].join('\n');
}
