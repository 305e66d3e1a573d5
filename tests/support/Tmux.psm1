# A real terminal for interactive tests: a private tmux server (its own socket in a temp folder,
# no configuration file) running one program, the PowerShell under test by default, in a 160x50
# pane. The console host's PSReadLine asks the terminal where the cursor is (ESC[6n); tmux answers
# like any terminal emulator, where a bare pty (script(1)) never does.
#
# Tests type into it (Send-TmuxKeys, Send-TmuxLine, Invoke-TmuxLine), read what it shows
# (Wait-TmuxText, Wait-TmuxPrompt: capture-pane of the whole history, wrapped lines joined) and stop it by pid
# (Stop-TmuxTerminal: everything the server started, then the server; the socket folder is removed).
# Windows PowerShell 5.1 syntax, like the rest of tests/support.

Import-Module ([System.IO.Path]::Combine($PSScriptRoot, 'TestFixture.psm1'))

function Invoke-Tmux {
    # One tmux command against this terminal's server; its output lines. Throws when tmux fails.
    param([Parameter(Mandatory = $true)] $Terminal, [Parameter(Mandatory = $true)] [string[]] $Arguments)
    $out = & tmux -S $Terminal.Socket @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tmux $($Arguments -join ' ') failed (exit $LASTEXITCODE): $out" }
    $out
}

function Start-TmuxTerminal {
    # Starts a private tmux server running FilePath with ArgumentList in WorkingDirectory, with the
    # variables of Environment added to this process's environment, and waits for the first
    # PowerShell prompt. TERM is tmux-256color (the terminal it is); XDG_DATA_HOME
    # is a folder of this terminal's own, so PSReadLine's history file never touches the user's.
    param(
        [string] $FilePath = (Get-TestPwsh),
        [string[]] $ArgumentList = @('-NoLogo', '-NoProfile'),
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = (Get-TestRoot),
        [int] $TimeoutMs = 30000
    )
    $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'st-tmux-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $null = New-Item -ItemType Directory -Path $dir
    $terminal = [pscustomobject] @{ Dir = $dir; Socket = [System.IO.Path]::Combine($dir, 'socket'); ServerPid = 0; PanePid = 0; Line = 0 }
    $variables = @{ XDG_DATA_HOME = [System.IO.Path]::Combine($dir, 'data') }
    foreach ($k in $Environment.Keys) { $variables[$k] = [string] $Environment[$k] }
    $arguments = @('-f', '/dev/null', 'set-option', '-g', 'default-terminal', 'tmux-256color', ';',
        'set-option', '-g', 'history-limit', '100000', ';',
        'new-session', '-d', '-x', '160', '-y', '50', '-c', $WorkingDirectory)
    foreach ($k in $variables.Keys) { $arguments += @('-e', "$k=$($variables[$k])") }
    # Two or more words after -- run as given, without a shell.
    $arguments += @('--', $FilePath) + $ArgumentList
    try {
        $null = Invoke-Tmux -Terminal $terminal -Arguments $arguments
        $pids = (Invoke-Tmux -Terminal $terminal -Arguments @('display-message', '-p', '#{pid} #{pane_pid}')) -split ' '
        $terminal.ServerPid = [int] $pids[0]
        $terminal.PanePid = [int] $pids[1]
        $null = Wait-TmuxPrompt -Terminal $terminal -TimeoutMs $TimeoutMs
    } catch {
        Stop-TmuxTerminal -Terminal $terminal
        throw
    }
    $terminal
}

function Get-ProcessDescendant {
    # Every process below ProcessId (children, their children, ...) from /proc: objects with Id
    # and CommandLine, deepest last.
    param([Parameter(Mandatory = $true)] [int] $ProcessId)
    $parentOf = @{}
    foreach ($d in [System.IO.Directory]::GetDirectories('/proc')) {
        $name = [System.IO.Path]::GetFileName($d)
        if ($name -notmatch '^\d+$') { continue }
        try { $stat = [System.IO.File]::ReadAllText("$d/stat") } catch { continue }
        $parentOf[[int] $name] = [int] $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[1]
    }
    $found = [System.Collections.Generic.List[object]]::new()
    $queue = [System.Collections.Generic.Queue[int]]::new()
    $queue.Enqueue($ProcessId)
    while ($queue.Count -gt 0) {
        $parent = $queue.Dequeue()
        foreach ($child in @($parentOf.Keys | Where-Object { $parentOf[$_] -eq $parent })) {
            $command = ''
            try { $command = [System.IO.File]::ReadAllText("/proc/$child/cmdline").Replace([char] 0, ' ').Trim() } catch { $null = $_ }
            $found.Add([pscustomobject] @{ Id = $child; CommandLine = $command })
            $queue.Enqueue($child)
        }
    }
    $found
}

function Stop-TmuxTerminal {
    # SIGKILL to every process the server started (deepest first), then SIGTERM to the server (it
    # removes the utmp records it made for its panes) and SIGKILL if it is still there after 2 s;
    # then the socket folder is removed. Safe to call twice.
    param([Parameter(Mandatory = $true)] $Terminal)
    try {
        if ($Terminal.ServerPid -le 0) { return }
        $pids = @(Get-ProcessDescendant -ProcessId $Terminal.ServerPid | ForEach-Object { $_.Id })
        [array]::Reverse($pids)
        foreach ($p in $pids) { & /bin/kill -KILL $p 2>$null }
        & /bin/kill -TERM $Terminal.ServerPid 2>$null
        if (-not (Wait-Until { Test-ProcessGone $Terminal.ServerPid } -TimeoutMs 2000)) { & /bin/kill -KILL $Terminal.ServerPid 2>$null }
        $pids += $Terminal.ServerPid
        $Terminal.ServerPid = 0
        if (-not (Wait-Until { -not @($pids | Where-Object { -not (Test-ProcessGone $_) }) } -TimeoutMs 3000)) {
            throw "the tmux server or a process it started is still running: $($pids -join ', ')"
        }
    } finally {
        if ([System.IO.Directory]::Exists($Terminal.Dir)) { [System.IO.Directory]::Delete($Terminal.Dir, $true) }
    }
}

function Send-TmuxKeys {
    # Types into the terminal: -Literal text as is (no key names), then each of -Key by tmux's key
    # names (Enter, C-c, Tab, ...).
    param([Parameter(Mandatory = $true)] $Terminal, [string] $Literal, [string[]] $Key = @())
    if ($Literal) { $null = Invoke-Tmux -Terminal $Terminal -Arguments @('send-keys', '-l', '--', $Literal) }
    if ($Key.Count -gt 0) { $null = Invoke-Tmux -Terminal $Terminal -Arguments (@('send-keys') + $Key) }
}

function Send-TmuxLine {
    # Types one line and Enter.
    param([Parameter(Mandatory = $true)] $Terminal, [Parameter(Mandatory = $true)] [string] $Text)
    Send-TmuxKeys -Terminal $Terminal -Literal $Text -Key Enter
}

function Get-TmuxScreen {
    # What the terminal shows and scrolled away: one string per line, wrapped lines joined,
    # colours dropped, trailing blank lines removed.
    param([Parameter(Mandatory = $true)] $Terminal)
    $lines = @(Invoke-Tmux -Terminal $Terminal -Arguments @('capture-pane', '-p', '-J', '-S', '-'))
    $last = $lines.Count - 1
    while ($last -ge 0 -and [string]::IsNullOrWhiteSpace($lines[$last])) { $last-- }
    if ($last -lt 0) { return , [string[]] @() }
    , [string[]] $lines[0..$last]
}

function Wait-TmuxText {
    # Waits until Pattern (a regex, multi-line mode: ^ and $ match at each line) matches the lines
    # shown after the line of the previous match (so a prompt shown again is waited for again).
    # Returns those lines up to the end of the match as one string; throws after TimeoutMs with
    # what the terminal shows.
    param([Parameter(Mandatory = $true)] $Terminal, [Parameter(Mandatory = $true)] [string] $Pattern, [int] $TimeoutMs = 15000)
    $regex = [regex]::new($Pattern, [System.Text.RegularExpressions.RegexOptions]::Multiline)
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    while ($true) {
        $lines = Get-TmuxScreen -Terminal $Terminal
        if ($lines.Count -gt $Terminal.Line) {
            $text = $lines[$Terminal.Line..($lines.Count - 1)] -join "`n"
            $m = $regex.Match($text)
            if ($m.Success) {
                $seen = $text.Substring(0, $m.Index + $m.Length)
                $Terminal.Line += ($seen.Split("`n")).Count
                return $seen
            }
        }
        if ($watch.ElapsedMilliseconds -ge $TimeoutMs) {
            throw "no /$Pattern/ on the terminal within $TimeoutMs ms after line $($Terminal.Line); it shows:`n$($lines -join "`n")"
        }
        Start-Sleep -Milliseconds 25
    }
}

function Wait-TmuxPrompt {
    # Waits for PowerShell's prompt (`PS <location>> ` with nothing typed after it) below the
    # previous match; returns what was shown since then (see Wait-TmuxText). Blanks after it are
    # what is left of a progress bar PowerShell took down on that line.
    param([Parameter(Mandatory = $true)] $Terminal, [int] $TimeoutMs = 15000)
    Wait-TmuxText -Terminal $Terminal -Pattern '^PS [^\n]*> *$' -TimeoutMs $TimeoutMs
}

function Invoke-TmuxLine {
    # Types one line at PowerShell's prompt, waits for the next prompt and returns the lines shown
    # in between: what the command printed.
    param([Parameter(Mandatory = $true)] $Terminal, [Parameter(Mandatory = $true)] [string] $Text, [int] $TimeoutMs = 30000)
    Send-TmuxLine -Terminal $Terminal -Text $Text
    $shown = @((Wait-TmuxPrompt -Terminal $Terminal -TimeoutMs $TimeoutMs) -split "`n")
    if ($shown.Count -gt 1) { $shown[0..($shown.Count - 2)] }
}

Export-ModuleMember -Function Start-TmuxTerminal, Stop-TmuxTerminal, Send-TmuxKeys, Send-TmuxLine, Invoke-TmuxLine, Get-TmuxScreen, Wait-TmuxText, Wait-TmuxPrompt, Get-ProcessDescendant
