# One Linux session, one identity (docs/linux-sessions.md): each row of Get-UserSession is one
# kernel session, by its session id, and Stop-UserSession ends that session's processes and nothing
# else. Real sessions on this machine: tmux panes and screen windows (utmp records made by
# libutempter and by screen), a login(1) at a terminal, and ssh logins with and without a pty
# to the harness's private sshd. A standard user ends her own sessions, and is refused another's.
#
# Needs root, sshd, tmux and screen; without them the file is skipped and says why (with CI=true
# that is a failure). The harness's sshd holds the machine-wide session lock for the whole file.

BeforeDiscovery {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $sshd = Get-TestSshdAvailability
    $tools = @('tmux', 'screen') | Where-Object { -not (Get-Command $_ -CommandType Application -ErrorAction SilentlyContinue) }
    $usable = $sshd.Ok -and -not $tools
}

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'Tmux.psm1')) -Force
    $script:Users = 'st-id-amy', 'st-id-bo'
}

Describe 'this machine' {
    It 'has sshd, tmux and screen, or the reason is known' -ForEach @(@{ Sshd = $sshd; Tools = $tools }) {
        if ($Sshd.Failure) { throw $Sshd.Failure }
        if (-not $Sshd.Ok) { Set-ItResult -Skipped -Because $Sshd.Reason }
        if ($Tools) {
            if ($env:CI -eq 'true') { throw "missing: $($Tools -join ', ') (.ci/run installs them)" }
            Set-ItResult -Skipped -Because "missing: $($Tools -join ', ')"
        }
    }
}

# Skipped only where real ssh logins cannot be made or tmux/screen are missing ('this machine' above
# says which); under CI=true both fail instead of skipping.
Describe 'Linux sessions by kernel session id' -Skip:(-not $usable) {
    BeforeAll {
        $script:ssh = Start-TestSshd -Users $script:Users
        $script:fixture = $script:ssh.Fixture
        $script:server = $script:ssh.Server
        $script:terminals = [System.Collections.Generic.List[object]]::new()
        $script:clients = [System.Collections.Generic.List[object]]::new()
        $script:strays = [System.Collections.Generic.List[int]]::new()

        function Invoke-Tmux($Terminal, [string[]] $Arguments) {
            # One command to that tmux server; its output lines. Throws when tmux fails.
            $out = & tmux -S $Terminal.Socket @Arguments 2>&1
            if ($LASTEXITCODE -ne 0) { throw "tmux $($Arguments -join ' ') failed (exit $LASTEXITCODE): $out" }
            $out
        }
        function Start-PrivateTmux([string[]] $Command) {
            # A tmux server of its own (socket in a temp folder, no configuration) running Command in
            # window 0: an object for Stop-TmuxTerminal, with the pane's pid and terminal.
            $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'st-id-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
            $null = New-Item -ItemType Directory -Path $dir
            $t = [pscustomobject] @{ Dir = $dir; Socket = [System.IO.Path]::Combine($dir, 'socket'); ServerPid = 0; PanePid = 0; Line = 0 }
            $script:terminals.Add($t)
            $null = Invoke-Tmux -Terminal $t -Arguments (@('-f', '/dev/null', 'new-session', '-d', '-x', '100', '-y', '30', '--') + $Command)
            $t.ServerPid = [int] (Invoke-Tmux -Terminal $t -Arguments @('display-message', '-p', '#{pid}'))
            $t
        }
        function Get-Panes($Terminal) {
            # Every pane of the server: Id (%N), ProcessId (its program) and Tty (pts/N).
            foreach ($line in @(Invoke-Tmux -Terminal $Terminal -Arguments @('list-panes', '-a', '-F', '#{pane_id} #{pane_pid} #{pane_tty}'))) {
                $f = $line -split ' '
                [pscustomobject] @{ Id = $f[0]; ProcessId = [int] $f[1]; Tty = $f[2] -replace '^/dev/', '' }
            }
        }
        function Find-Process([string] $CommandLine) {
            # The pids of the live processes whose command line is exactly this (words joined by spaces).
            foreach ($d in [System.IO.Directory]::GetDirectories('/proc')) {
                $name = [System.IO.Path]::GetFileName($d)
                if ($name -notmatch '^\d+$') { continue }
                try { $cmd = [System.IO.File]::ReadAllText("$d/cmdline").TrimEnd([char] 0).Replace([char] 0, ' ') } catch { continue }
                if ($cmd -eq $CommandLine -and -not (Test-ProcessGone ([int] $name))) { [int] $name }
            }
        }
        function Get-KernelSession([int] $ProcessId) {
            $stat = [System.IO.File]::ReadAllText("/proc/$ProcessId/stat")
            [int] $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[3]
        }
        function Wait-Listed([string[]] $Tty) {
            # The rows of Get-UserSession on these terminals, once all of them are there.
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            do {
                $rows = @(Get-UserSession | Where-Object SessionName -In $Tty)
                if ($rows.Count -ge $Tty.Count) { return $rows }
                Start-Sleep -Milliseconds 100
            } while ($watch.ElapsedMilliseconds -lt 10000)
            throw "Get-UserSession did not list $($Tty -join ', '); it lists: $(Get-UserSession | Out-String)"
        }
        function Open-Session([string] $User) { Open-TestSshSession -Context $script:ssh -User $User }
        function Test-Alive($Session) { Test-TestSshAlive -Context $script:ssh -Session $Session }
        function Start-SshCommand([string] $User, [string] $Command) {
            # An ssh login without a pty (ssh -T user@host command), as scripts, scp and sftp make.
            $psi = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/ssh')
            foreach ($a in '-T', '-F', '/dev/null', '-i', $script:server.KeyFile, '-p', [string] $script:server.Port,
                '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
                '-o', 'IdentitiesOnly=yes', '-o', 'LogLevel=ERROR', "$User@127.0.0.1", $Command) { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $psi.RedirectStandardInput = $true
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $p = [System.Diagnostics.Process]::Start($psi)
            $script:clients.Add($p)
            $p
        }
        function Invoke-AsUser([string] $User, [string] $Code) {
            # The module in a PowerShell running as that standard user.
            Invoke-TestPwshAs -User $User -ArgumentList '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$(Get-TestModulePathForAll)' -ErrorAction Stop; $Code"
        }
    }
    AfterEach {
        foreach ($t in $script:terminals) { Stop-TmuxTerminal $t }
        $script:terminals.Clear()
        foreach ($p in $script:clients) { if (-not $p.HasExited) { $p.Kill() }; $p.WaitForExit(5000) | Out-Null }
        $script:clients.Clear()
        foreach ($p in $script:strays) { & /bin/kill -KILL $p 2>$null }
        $script:strays.Clear()
        Close-TestSshSessions -Context $script:ssh
    }
    AfterAll { Stop-TestSshd -Context $script:ssh }

    It 'tmux: two windows are two sessions; stopping one leaves the other window and the tmux server running' {
        $t = Start-PrivateTmux '/bin/bash', '--norc', '--noprofile'
        $null = Invoke-Tmux -Terminal $t -Arguments @('new-window', '-d', '--', '/bin/bash', '--norc', '--noprofile')
        $a, $b = @(Get-Panes $t)
        $null = Invoke-Tmux -Terminal $t -Arguments @('send-keys', '-t', $a.Id, 'sleep 6101 &', 'Enter')
        $null = Invoke-Tmux -Terminal $t -Arguments @('send-keys', '-t', $b.Id, 'sleep 6102 &', 'Enter')
        Wait-Until { (Find-Process 'sleep 6101') -and (Find-Process 'sleep 6102') } | Should -BeTrue
        $jobA, $jobB = (Find-Process 'sleep 6101'), (Find-Process 'sleep 6102')

        $rows = Wait-Listed $a.Tty, $b.Tty
        $rows.Count | Should -Be 2
        ($rows | Where-Object SessionName -EQ $a.Tty).SessionId | Should -Be $a.ProcessId -Because 'the session is the kernel session of the pane''s shell, not the tmux server'
        ($rows | Where-Object SessionName -EQ $b.Tty).SessionId | Should -Be $b.ProcessId
        $all = @(Get-UserSession)
        @($all.SessionId | Select-Object -Unique).Count | Should -Be $all.Count -Because 'an Id is unique on the computer'

        $stopped = @(Get-UserSession | Where-Object SessionName -EQ $b.Tty | Stop-UserSession -Force -Wait -PassThru -ErrorAction Stop)
        $stopped.SessionId | Should -Be $b.ProcessId
        Test-ProcessGone $b.ProcessId | Should -BeTrue
        Wait-Until { Test-ProcessGone $jobB } | Should -BeTrue -Because 'a job of the stopped session is part of it'
        Test-ProcessGone $a.ProcessId | Should -BeFalse -Because 'the other window is another session'
        Test-ProcessGone $jobA | Should -BeFalse
        Test-ProcessGone $t.ServerPid | Should -BeFalse -Because 'the tmux server is no session'
        (Get-UserSession | Where-Object SessionName -EQ $a.Tty).SessionId | Should -Be $a.ProcessId
    }

    It 'screen: two windows are two sessions; stopping one ends its job that ignores SIGHUP, and leaves the other window and the screen server running' {
        # screen records its windows only while attached: it runs attached, in a tmux pane.
        $t = Start-PrivateTmux '/bin/bash', '--norc', '--noprofile'
        $screens = [System.IO.Path]::Combine($t.Dir, 'screens')
        $null = New-Item -ItemType Directory -Path $screens
        [System.IO.File]::SetUnixFileMode($screens, [System.IO.UnixFileMode] 'UserRead, UserWrite, UserExecute')
        $null = Invoke-Tmux -Terminal $t -Arguments @('send-keys', "SCREENDIR=$screens exec screen -S st-id /bin/bash --norc --noprofile", 'Enter')
        Wait-Until {
            $server = @(Get-ProcessDescendant -ProcessId $t.ServerPid | Where-Object CommandLine -CLike 'SCREEN*')
            $server.Count -eq 1
        } -TimeoutMs 10000 | Should -BeTrue
        $screenServer = @(Get-ProcessDescendant -ProcessId $t.ServerPid | Where-Object CommandLine -CLike 'SCREEN*')[0].Id
        $env:SCREENDIR = $screens
        try { & screen -S st-id -X screen /bin/bash --norc --noprofile } finally { $env:SCREENDIR = $null }
        Wait-Until { @(Get-ProcessDescendant -ProcessId $screenServer | Where-Object CommandLine -Like '/bin/bash*').Count -eq 2 } -TimeoutMs 10000 | Should -BeTrue
        $shells = @(Get-ProcessDescendant -ProcessId $screenServer | Where-Object CommandLine -Like '/bin/bash*' | ForEach-Object Id | Sort-Object)
        $ttys = foreach ($s in $shells) { (& readlink "/proc/$s/fd/0") -replace '^/dev/', '' }
        # A job in window 1 that outlives a hang-up of its shell (nohup ignores SIGHUP).
        $env:SCREENDIR = $screens
        try { & screen -S st-id -p 1 -X stuff "nohup sleep 6105 >/dev/null 2>&1 &`n" } finally { $env:SCREENDIR = $null }
        Wait-Until { Find-Process 'sleep 6105' } -TimeoutMs 10000 | Should -BeTrue
        $job = Find-Process 'sleep 6105'
        $script:strays.Add($job)
        $stop = [array]::IndexOf($shells, (Get-KernelSession $job))
        $stop | Should -BeGreaterOrEqual 0 -Because 'the job is in the session of its window''s shell'
        $keep = 1 - $stop

        $rows = Wait-Listed $ttys
        $rows.Count | Should -Be 2
        @($rows.SessionId | Sort-Object) | Should -Be $shells

        $stopped = @(Get-UserSession | Where-Object SessionName -EQ $ttys[$stop] | Stop-UserSession -Force -Wait -PassThru -ErrorAction Stop)
        $stopped.SessionId | Should -Be $shells[$stop]
        Test-ProcessGone $shells[$stop] | Should -BeTrue
        Test-ProcessGone $job | Should -BeTrue -Because 'every process of the session ends, also one that ignores SIGHUP'
        Test-ProcessGone $shells[$keep] | Should -BeFalse -Because 'the other window is another session'
        Test-ProcessGone $screenServer | Should -BeFalse -Because 'the screen server is no session'
        (Get-UserSession | Where-Object SessionName -EQ $ttys[$keep]).SessionId | Should -Be $shells[$keep]
    }

    It 'a standard user ends her own ssh session without root; her ssh command without a pty is not listed and goes on' {
        $amy, $bo = (Open-Session $script:Users[0]), (Open-Session $script:Users[1])
        $null = Start-SshCommand $script:Users[0] 'exec sleep 6201'
        Wait-Until { Find-Process 'sleep 6201' } -TimeoutMs 10000 | Should -BeTrue
        $noPty = Find-Process 'sleep 6201'
        $script:strays.Add($noPty) # outlives its ssh client: ended by pid after the test
        $listed = @(Get-UserSession)
        $listed.SessionId | Should -Contain $amy.SessionId
        $listed.SessionId | Should -Not -Contain (Get-KernelSession $noPty) -Because 'a login without a pty writes no utmp record'
        @($listed | Where-Object UserName -EQ $amy.User).Count | Should -Be 1

        $run = Invoke-AsUser $amy.User "Stop-UserSession -Id $($amy.SessionId) -Force -Wait -ErrorAction Stop; 'done as ' + [Environment]::UserName"
        $run.Stderr | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $run.Stdout.Trim() | Should -Be "done as $($amy.User)"
        Test-ProcessGone $amy.ShellPid | Should -BeTrue
        Wait-Until { -not (Test-Alive $amy) } -TimeoutMs 15000 | Should -BeTrue -Because 'her ssh client is told the session ended'
        Test-ProcessGone $noPty | Should -BeFalse -Because 'her login without a pty is another session'
        Test-Alive $bo | Should -BeTrue
    }

    It "a standard user is refused another user's session, in Linux terms, and nothing changes" {
        $amy, $bo = (Open-Session $script:Users[0]), (Open-Session $script:Users[1])
        $code = "Stop-UserSession -Id $($bo.SessionId) -Force -Wait -ErrorVariable e -ErrorAction SilentlyContinue; " +
            '$e | ForEach-Object { $_.FullyQualifiedErrorId; [string] $_.CategoryInfo.Category; $_.Exception.Message; $_.ErrorDetails.RecommendedAction }'
        $run = Invoke-AsUser $amy.User $code
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $id, $category, $message, $action = @($run.Stdout.Trim() -split '\r?\n')
        $id | Should -Be 'AccessDenied,Stop-UserSession'
        $category | Should -Be 'PermissionDenied'
        $message | Should -BeLike "Permission denied to log off session $($bo.SessionId) ($($bo.User) on $($bo.Tty)):*only root*Run as root (sudo), or as $($bo.User)."
        "$message $action" | Should -Not -Match 'Remote Desktop'
        Start-Sleep -Milliseconds 500
        Test-Alive $bo | Should -BeTrue
        Test-ProcessGone $bo.ShellPid | Should -BeFalse
        Test-Alive $amy | Should -BeTrue
    }

    It 'login(1) at a terminal: the user ends her own login, whose session root''s login process leads' {
        $t = Start-PrivateTmux '/bin/login', '-f', $script:Users[0]
        $pane = @(Get-Panes $t)[0]
        Wait-Until { @(Get-ProcessDescendant -ProcessId $pane.ProcessId).Count -ge 1 } -TimeoutMs 10000 | Should -BeTrue
        $shell = @(Get-ProcessDescendant -ProcessId $pane.ProcessId)[0].Id
        # tmux records the pane (as root) at once; login records the user's login when it has logged her in.
        Wait-Until { @(Get-UserSession -UserName $script:Users[0] | Where-Object SessionName -EQ $pane.Tty).Count -eq 1 } -TimeoutMs 10000 | Should -BeTrue
        $rows = Wait-Listed $pane.Tty
        $rows.Count | Should -Be 1 -Because 'the pane''s record (tmux) and the login''s record name one session'
        $rows[0].UserName | Should -Be $script:Users[0]
        $rows[0].SessionId | Should -Be (Get-KernelSession $shell)

        $run = Invoke-AsUser $script:Users[0] "Stop-UserSession -Id $($rows[0].SessionId) -Force -Wait -ErrorAction Stop; 'done'"
        $run.Stderr | Should -BeNullOrEmpty
        $run.Stdout.Trim() | Should -Be 'done'
        Test-ProcessGone $shell | Should -BeTrue
        Test-ProcessGone $pane.ProcessId | Should -BeTrue -Because 'login ends with the shell it started'
    }

    It 'a record whose pid now belongs to a process started after the login is no session, and that process is left alone' {
        $newcomer = Invoke-TestFixture -Fixture $script:fixture -Op 'leader.start'
        $dir = Invoke-TestFixture -Fixture $script:fixture -Op 'dir'
        $utmp = Invoke-TestFixture -Fixture $script:fixture -Op 'utmp.write' -Arguments @{
            file = [System.IO.Path]::Combine($dir, 'utmp-reused')
            records = @(@{ pid = $newcomer; line = 'pts/9901'; user = 'st-gone'; loginMs = [DateTimeOffset]::UtcNow.AddHours(-1).ToUnixTimeMilliseconds() })
        }
        $code = '@(Get-UserSession).Count; ' +
            "Stop-UserSession -Id $newcomer -Force -Wait -ErrorVariable e -ErrorAction SilentlyContinue; `$e | ForEach-Object FullyQualifiedErrorId"
        $run = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$(Get-TestModulePath)' -ErrorAction Stop; $code" -Environment @{ SESSIONTOOLS_UTMP_PATH = $utmp }
        @($run.Stdout.Trim() -split '\r?\n') | Should -Be '0', 'SessionNotFound,Stop-UserSession'
        Test-ProcessGone $newcomer | Should -BeFalse
    }
}
