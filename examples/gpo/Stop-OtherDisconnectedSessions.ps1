<#
.SYNOPSIS
    Group Policy logon script: ends the user's other, disconnected sessions on this computer.

.DESCRIPTION
    A user who logs on again (a new session instead of reconnecting) leaves the old session
    disconnected, with its programs and licences held. Run at logon, in the user's new session,
    this script logs off the same user's other sessions that are disconnected, and never the
    session it runs in (IsCurrent) nor a connected one.

    Exit codes: 0 when done (also when there was nothing to end); 1 when a session could not be
    logged off or the script failed (the error is written). It never prompts and needs no input.

    Deploy it as a logon script (User Configuration > Policies > Windows Settings > Scripts
    (Logon/Logoff) > Logon > PowerShell Scripts), with the SessionTools module installed for all
    users. A standard user may log off their own sessions: no administrator rights are needed.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Stop-OtherDisconnectedSessions.ps1
    Ends the other disconnected sessions of the user who logs on.

.NOTES
    Windows PowerShell 5.1 and PowerShell 7. On Linux, terminal sessions are never disconnected:
    the script finds nothing to end.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
try {
    Import-Module SessionTools
    $me = @(Get-UserSession -Current -ErrorAction Stop)
    if ($me.Count -eq 0) {
        Write-Output 'This PowerShell runs in no user session of this computer: nothing to do.'
        exit 0
    }
    $others = @(Get-UserSession -State Disconnected -ErrorAction Stop | Where-Object {
            $_.UserName -eq $me[0].UserName -and $_.Domain -eq $me[0].Domain -and -not $_.IsCurrent
        })
    if ($others.Count -eq 0) {
        Write-Output ('{0} has no other disconnected session.' -f $me[0].UserName)
        exit 0
    }
    $others | Stop-UserSession -Force -ErrorAction Stop
    foreach ($s in $others) { Write-Output ('Logged off disconnected session {0} of {1}.' -f $s.SessionId, $s.UserName) }
    exit 0
} catch {
    Write-Output ('The logon script failed: {0}' -f $_.Exception.GetBaseException().Message)
    exit 1
}
