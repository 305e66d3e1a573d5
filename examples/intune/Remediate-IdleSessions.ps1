<#
.SYNOPSIS
    Intune remediation script: warns the users of sessions idle or disconnected for too long,
    waits, then logs off the sessions that are still there.

.DESCRIPTION
    The pair of Detect-IdleSessions.ps1, with the same limits. It finds the sessions again (the
    detection ran a while ago), shows the connected ones a message (Send-UserSessionMessage: a
    message box on Windows, a line on the terminal on Linux), waits -GracePeriod so that their
    users can save their work, and logs off (Stop-UserSession -Force -Wait) every one of them
    that still exists. A session that ended during the wait is reported as such, not as an error.

    Exit codes: 0 when every session found was logged off or ended on its own (also when none was
    found); 1 when one could not be logged off, or the script failed (the error is written).

    $ErrorActionPreference is Stop and every error ends in the catch block; it never prompts
    (Stop-UserSession gets -Force as a parameter, as unattended scripts must pass it) and needs
    no input. A message that cannot be shown (a user who refuses messages) is written and does
    not stop the logoff.

.PARAMETER IdleLimit
    A session with no input for longer than this is logged off. Default: 2h.

.PARAMETER DisconnectedLimit
    A disconnected session older than this is logged off (without a message: nobody would see
    it). Default: 1h.

.PARAMETER GracePeriod
    How long the users have between the message and the logoff. Default: 5m.

.PARAMETER Message
    The text shown to each user.

.EXAMPLE
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File Remediate-IdleSessions.ps1
    Warns, waits 5 minutes, and logs off the sessions idle over 2 hours or disconnected over 1 hour.

.NOTES
    Windows PowerShell 5.1 and PowerShell 7. Intune ends a remediation script after 60 minutes:
    keep -GracePeriod well below that.
#>
[CmdletBinding()]
param(
    [string] $IdleLimit = '2h',
    [string] $DisconnectedLimit = '1h',
    [string] $GracePeriod = '5m',
    [string] $Message = 'This session has been idle for a long time and will be logged off soon. Please save your work now.'
)

$ErrorActionPreference = 'Stop'
try {
    Import-Module SessionTools
    $wait = [SessionTools.Duration]::Parse($GracePeriod)
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

    $connected = @($found | Where-Object State -NE 'Disconnected')
    if ($connected.Count -gt 0) {
        $null = $connected | Send-UserSessionMessage -Title 'Logoff' -Text $Message -ErrorAction SilentlyContinue -ErrorVariable notShown
        foreach ($e in $notShown) { Write-Output ('No message: {0}' -f $e.Exception.Message) }
        Write-Output ('Warned {0} session(s); logging off in {1}.' -f ($connected.Count - $notShown.Count), $wait)
        Start-Sleep -Milliseconds ([int] $wait.TotalMilliseconds)
    }

    # Only the sessions still there; the others ended on their own during the wait.
    $ids = @($found | ForEach-Object SessionId)
    $still = @(Get-UserSession -ErrorAction Stop | Where-Object { $ids -contains $_.SessionId })
    foreach ($s in $found) {
        if (-not ($still | Where-Object SessionId -EQ $s.SessionId)) { Write-Output ('Session {0} of {1} ended on its own.' -f $s.SessionId, $s.UserName) }
    }
    $failed = 0
    foreach ($s in $still) {
        try {
            $s | Stop-UserSession -Force -Wait -ErrorAction Stop
            Write-Output ('Logged off session {0} of {1}.' -f $s.SessionId, $s.UserName)
        } catch {
            $failed++
            Write-Output ('Could not log off session {0} of {1}: {2}' -f $s.SessionId, $s.UserName, $_.Exception.Message)
        }
    }
    if ($failed -gt 0) { exit 1 }
    exit 0
} catch {
    Write-Output ('The remediation failed: {0}' -f $_.Exception.GetBaseException().Message)
    exit 1
}
