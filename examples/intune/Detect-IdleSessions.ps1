<#
.SYNOPSIS
    Intune detection script: finds user sessions idle or disconnected for too long.

.DESCRIPTION
    Lists the user sessions of this computer with the SessionTools module and looks for sessions
    that are idle longer than -IdleLimit, or disconnected longer than -DisconnectedLimit (the idle
    time of a disconnected session counts from the disconnect).

    Exit codes, as Intune Remediations reads them:
      0  no such session: nothing to do.
      1  at least one such session (one line per session is written): Intune runs the remediation
         script, Remediate-IdleSessions.ps1. Also 1 when the check itself failed (the error is
         written): a detection that cannot look must not report "compliant".

    $ErrorActionPreference is Stop for the whole script, and every error ends in the catch block:
    a mistake such as a limit without its unit ('30' instead of '30m') fails the script instead of
    comparing nothing and exiting 0. It never prompts and needs no input.

    Deploy it as it is (Intune: Devices > Scripts and remediations, "Run this script using the
    logged-on credentials: No", "Run script in 64-bit PowerShell: Yes"), with the SessionTools
    module installed for all users.

.PARAMETER IdleLimit
    A session with no input for longer than this is reported: a duration with its unit, such as
    90m, 2h or 1h30m. Default: 2h.

.PARAMETER DisconnectedLimit
    A disconnected session older than this is reported. Default: 1h.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Detect-IdleSessions.ps1
    Reports the sessions idle over 2 hours or disconnected over 1 hour; exit 1 when there are any.

.EXAMPLE
    .\Detect-IdleSessions.ps1 -IdleLimit 8h -DisconnectedLimit 30m
    The same with other limits.

.NOTES
    Windows PowerShell 5.1 and PowerShell 7.
#>
[CmdletBinding()]
param(
    [string] $IdleLimit = '2h',
    [string] $DisconnectedLimit = '1h'
)

$ErrorActionPreference = 'Stop'
try {
    Import-Module SessionTools
    # A limit without its unit ('30') is an error here, before any session is looked at.
    $idle = [SessionTools.Duration]::Parse($IdleLimit)
    $disconnected = [SessionTools.Duration]::Parse($DisconnectedLimit)
    $found = @(Get-UserSession -ErrorAction Stop | Where-Object {
            ($_.State -eq 'Disconnected' -and $_.Idle -gt $disconnected) -or
            ($_.State -ne 'Disconnected' -and $_.Idle -gt $idle)
        })
    if ($found.Count -eq 0) {
        Write-Output 'No session is idle or disconnected beyond the limits.'
        exit 0
    }
    foreach ($s in $found) {
        Write-Output ('Session {0} of {1} is {2}, idle {3}.' -f $s.SessionId, $s.UserName, $s.State, $s.Idle)
    }
    exit 1
} catch {
    Write-Output ('The check failed: {0}' -f $_.Exception.GetBaseException().Message)
    exit 1
}
