# `npm start`: this machine's sessions as a table, or a line saying there are none.
# Uses only Microsoft.PowerShell.Core commands (see README.md).
# When the sessions cannot be listed (on Linux: no utmp file, as on a machine where no login was
# ever recorded), PowerShell shows the error and this ends with exit code 1: "no one is logged on"
# would be a claim it cannot make.
Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'module', 'SessionTools.psd1')) -ErrorAction Stop
$sessions = @(Get-UserSession -ErrorVariable failed)
if ($failed.Count -gt 0) { exit 1 }
if ($sessions.Count -gt 0) { $sessions } else { 'No user is logged on to ' + [Environment]::MachineName + '.' }
