# `npm start`: this machine's sessions as a table, or a line saying there are none.
# Uses only Microsoft.PowerShell.Core commands (see README.md).
Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'module', 'SessionTools.psd1')) -ErrorAction Stop
$sessions = @(Get-UserSession)
if ($sessions.Count -gt 0) { $sessions } else { 'No user is logged on to ' + [Environment]::MachineName + '.' }
