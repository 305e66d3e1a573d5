# The whole Windows stack in PowerShell: the generated cmdlets, the helper and the WTS backend
# (koffi bindings and worker pool), loaded against the C test double of wtsapi32 through
# SESSIONTOOLS_WTSAPI_PATH. What PowerShell shows must be what the fixture says, the mission line
# must log off exactly the idle sessions, and a fan-out must survive dead and hanging hosts.
#
# Portable: this file also runs in the Windows build of pwsh under wine64, against the double built
# as a Windows DLL, with Windows node.exe running the fixture server. So: the double's path comes
# from SESSIONTOOLS_TEST_WTSAPI when set; every path is built with [System.IO.Path]; processes are
# watched through [System.Diagnostics.Process]; the fan-out size is SESSIONTOOLS_TEST_FANOUT.

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $script:Wts = Start-TestWtsDouble
    $script:Fixture = $script:Wts.Fixture
    $script:Smiley = [char]::ConvertFromUtf32(0x1F600)

    function Reset-WtsStack { Reset-TestWtsDouble $script:Wts }

    # A FILETIME (100-ns ticks since 1601, UTC) that many minutes ago, as the fixture server takes it.
    function Ago([double] $Minutes) { 'ft:' + [DateTime]::UtcNow.AddMinutes(-$Minutes).ToFileTimeUtc() }

    function Set-WtsFixture([object[]] $Servers) { Set-TestWtsFixture $script:Wts $Servers }

    # The double's log of this test: one object per event (pointers and FILETIMEs as strings).
    function Get-WtsLog { Get-TestWtsLog $script:Wts }
    function Get-WtsLeak { @(Invoke-TestFixture -Fixture $script:Fixture -Op 'double.leaked' -Arguments @{ path = $env:WTSDOUBLE_LOG }) }

    function Get-HelperProcess {
        $id = ([SessionTools.Rpc.HelperClient]::Instances | Where-Object ModuleBase -EQ (Get-Module SessionTools).ModuleBase | Select-Object -Last 1).ProcessId
        [System.Diagnostics.Process]::GetProcessById($id)
    }

    # The PowerShell under test as a child process, importing the module (it inherits the env above).
    function Invoke-ChildPwsh([string] $Script) {
        $import = "Import-Module '$((Get-TestModulePath).Replace("'", "''"))' -ErrorAction Stop"
        Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', "$import`n$Script" -TimeoutSec 60
    }

    # How many hosts the fan-out test asks at once: SESSIONTOOLS_TEST_FANOUT, else 200 (40 under Wine,
    # where node.exe, its worker threads and the DLL run through Wine and the same run is slower). At least
    # 28, so that there is a hanging host (index 7) and a refusing one (index 27).
    function Get-FanOutSize {
        $n = if ($env:SESSIONTOOLS_TEST_FANOUT) { [int] $env:SESSIONTOOLS_TEST_FANOUT } elseif (Test-UnderWine) { 40 } else { 200 }
        if ($n -lt 28) { throw "SESSIONTOOLS_TEST_FANOUT must be at least 28 (got $n)" }
        $n
    }

    function Test-UnderWine {
        # Wine's own registry key; a real Windows has none. Not checked here (this task ran no Wine
        # prefix): the wine64 run may also set SESSIONTOOLS_TEST_FANOUT.
        $IsWindows -and ((Test-Path -LiteralPath 'HKLM:\Software\Wine') -or (Test-Path -LiteralPath 'HKCU:\Software\Wine'))
    }

    # This computer's server: session 0 (services) and the RDP listener, which Get-UserSession hides
    # unless -IncludeSystem, and four user sessions: console, RDP with non-BMP names over IPv6 and
    # locked, disconnected (no input time, lock state unknown), and one with zero FILETIMEs.
    function New-LocalServer {
        @{
            name = '.'
            sessions = @(
                @{ id = 0; state = 'Disconnected'; winStation = 'Services' }
                @{ id = 1; state = 'Active'; winStation = 'Console'; user = 'admin'; domain = 'CONTOSO'; logon = (Ago 300); connect = (Ago 300); lastInput = (Ago 5); locked = 0; protocol = 0 }
                @{
                    id = 2; state = 'Active'; winStation = 'RDP-Tcp#3'; user = "b$($script:Smiley)b"; domain = 'CONTOSO'; clientName = "WS-$($script:Smiley)"; address = '2001:db8::5'
                    logon = (Ago 120); connect = (Ago 100); lastInput = (Ago 45); locked = 1; protocol = 2
                }
                @{
                    id = 3; state = 'Disconnected'; winStation = ''; user = 'jdoe'; domain = 'CONTOSO'; clientName = 'LAPTOP7'; address = '192.0.2.44'
                    logon = (Ago 600); connect = (Ago 500); disconnect = (Ago 130); locked = -1; protocol = 2
                }
                @{ id = 4; state = 'Active'; winStation = 'RDP-Tcp#5'; user = 'fresh'; domain = 'CONTOSO'; clientName = 'WS-9'; address = '198.51.100.9'; lastInput = (Ago 10); protocol = 2 }
                @{ id = 65536; state = 'Listen'; winStation = 'RDP-Tcp' }
            )
        }
    }
}

AfterAll { Stop-TestWtsDouble $script:Wts }

Describe 'Get-UserSession against wtsapi32 (the double)' {
    BeforeEach { Reset-WtsStack }

    It 'shows every field as the fixture says, hiding session 0 and the listener' {
        Set-WtsFixture (New-LocalServer)
        $out = @(Get-UserSession)
        $out.SessionId | Should -Be 1, 2, 3, 4
        # What each user session must show: text exactly, $null for "none", times as minutes ago.
        # Session 3 is disconnected: idle since it was disconnected, no input recorded, lock state
        # unknown. Session 4's zero FILETIMEs are "never": null, not 1601.
        $expected = @{
            1 = @{ UserName = 'admin'; SessionName = 'Console'; State = 'Active'; ClientAddress = $null; IsLocked = $false; Protocol = 'Console'; Idle = '5m'; LogonTime = 300; ConnectTime = 300; LastInputTime = 5; DisconnectTime = $null }
            2 = @{
                UserName = "b$($script:Smiley)b"; SessionName = 'RDP-Tcp#3'; State = 'Active'; ClientName = "WS-$($script:Smiley)"; ClientAddress = '2001:db8::5'; IsLocked = $true; Protocol = 'RDP'
                Idle = '45m'; LogonTime = 120; ConnectTime = 100; LastInputTime = 45; DisconnectTime = $null
            }
            3 = @{
                UserName = 'jdoe'; SessionName = $null; State = 'Disconnected'; ClientName = 'LAPTOP7'; ClientAddress = '192.0.2.44'; IsLocked = $null; Protocol = 'RDP'
                Idle = '2h10m'; LogonTime = 600; ConnectTime = 500; LastInputTime = $null; DisconnectTime = 130
            }
            4 = @{
                UserName = 'fresh'; SessionName = 'RDP-Tcp#5'; State = 'Active'; ClientName = 'WS-9'; ClientAddress = '198.51.100.9'; IsLocked = $null; Protocol = 'RDP'
                Idle = '10m'; LogonTime = $null; ConnectTime = $null; LastInputTime = 10; DisconnectTime = $null
            }
        }
        foreach ($s in $out) {
            $s | Should -BeOfType ([SessionTools.UserSession])
            # The helper names this computer by gethostname(), as [System.Net.Dns]::GetHostName() does.
            $s.ComputerName | Should -Be ([System.Net.Dns]::GetHostName())
            $s.Domain | Should -BeExactly 'CONTOSO'
            foreach ($field in $expected[$s.SessionId].GetEnumerator()) {
                $actual = $s.($field.Key)
                $because = "session $($s.SessionId) $($field.Key)"
                if ($null -eq $field.Value) {
                    $actual | Should -BeNullOrEmpty -Because $because
                } elseif ($field.Key -eq 'Idle') {
                    # The compact form, as the table shows it (ToString() is exact: 5m00.438s).
                    $actual.ToString('c') | Should -BeExactly $field.Value -Because $because
                } elseif ($field.Key -like '*Time') {
                    $actual | Should -BeOfType ([DateTime]) -Because $because
                    $off = ($actual.ToUniversalTime() - [DateTime]::UtcNow.AddMinutes(-$field.Value)).Duration()
                    $off.TotalSeconds | Should -BeLessThan 10 -Because $because
                } else {
                    $actual | Should -BeExactly $field.Value -Because $because
                }
            }
        }

        Get-WtsLeak | Should -BeNullOrEmpty
        @(Get-WtsLog | Where-Object event -EQ 'badfree') | Should -BeNullOrEmpty
    }

    It '-IncludeSystem adds the services session and the listener' {
        Set-WtsFixture (New-LocalServer)
        (Get-UserSession -IncludeSystem).SessionId | Should -Be 0, 1, 2, 3, 4, 65536
    }
}

Describe 'actions against wtsapi32 (the double)' {
    BeforeEach { Reset-WtsStack }

    It 'the mission line logs off exactly the sessions idle for more than 30 minutes' {
        Set-WtsFixture (New-LocalServer)
        # One helper: the double keeps what logoff did for as long as its process lives.
        Get-UserSession | Where Idle -gt 30m | Stop-UserSession -Force -ErrorAction Stop
        $logoffs = @(Get-WtsLog | Where-Object event -EQ 'logoff')
        @($logoffs | ForEach-Object session | Sort-Object) | Should -Be 2, 3
        foreach ($e in $logoffs) {
            $e.fn | Should -BeExactly 'WTSLogoffSession'
            $e.server | Should -BeExactly '.'
            $e.ok | Should -BeTrue
        }
        (Get-UserSession).SessionId | Should -Be 1, 4
        Get-WtsLeak | Should -BeNullOrEmpty
        @(Get-WtsLog | Where-Object event -EQ 'badfree') | Should -BeNullOrEmpty
    }

    It '-WhatIf says what it would log off and calls nothing that acts (also with -Force)' {
        Set-WtsFixture (New-LocalServer)
        $run = Invoke-ChildPwsh 'Get-UserSession | Where Idle -gt 30m | Stop-UserSession -WhatIf -Force'
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $whatIf = @($run.Stdout -split '\r?\n' | Where-Object { $_ -like 'What if:*' })
        $whatIf.Count | Should -Be 2
        $whatIf[0] | Should -BeLike 'What if: Performing the operation "Log off" on target "session 2 (CONTOSO\b*b on RDP-Tcp#3) on *".'
        $whatIf[1] | Should -BeLike 'What if: Performing the operation "Log off" on target "session 3 (CONTOSO\jdoe) on *".'
        $log = Get-WtsLog
        # The child's helper did reach the double (it listed), and nothing else.
        @($log | Where-Object fn -EQ 'WTSEnumerateSessionsExW').Count | Should -BeGreaterThan 0
        @($log | Where-Object event -In 'logoff', 'disconnect', 'message') | Should -BeNullOrEmpty
    }

    It 'Disconnect-UserSession -Wait passes bWait and -PassThru returns the final state' {
        Set-WtsFixture (New-LocalServer)
        $out = @(Disconnect-UserSession -Id 4 -Wait -PassThru -Confirm:$false -ErrorAction Stop)
        $out.Count | Should -Be 1
        $out[0] | Should -BeOfType ([SessionTools.UserSession])
        $out[0].SessionId | Should -Be 4
        $out[0].UserName | Should -BeExactly 'fresh'
        $out[0].State | Should -BeExactly 'Disconnected'
        $d = @(Get-WtsLog | Where-Object event -EQ 'disconnect')
        $d.Count | Should -Be 1
        $d[0].session | Should -Be 4
        $d[0].wait | Should -Be 1
        $d[0].ok | Should -BeTrue
        @(Get-WtsLog | Where-Object event -EQ 'logoff') | Should -BeNullOrEmpty
    }

    It 'a session that is gone is ObjectNotFound; a refused one is PermissionDenied with what to do' {
        $server = New-LocalServer
        $server.sessions[3].deny = @('logoff')
        Set-WtsFixture $server
        Stop-UserSession -Id 99, 3, 4 -Force -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 2
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'SessionNotFound,Stop-UserSession'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $ev[0].TargetObject | Should -Be 99
        $ev[1].FullyQualifiedErrorId | Should -BeExactly 'AccessDenied,Stop-UserSession'
        $ev[1].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $ev[1].TargetObject | Should -Be 3
        $ev[1].ErrorDetails.RecommendedAction | Should -BeLike '*elevated*'
        # What the double was asked, and what it answered: 7022 (no such session), 5 (denied), done.
        # (-Force, no -PassThru: nothing to name or write, so the ids are not looked up first.)
        $logoffs = @(Get-WtsLog | Where-Object event -EQ 'logoff')
        @($logoffs | ForEach-Object { "$($_.session) $($_.ok) $($_.error)" }) | Should -Be '99 False 7022', '3 False 5', '4 True 0'
        (Get-UserSession).SessionId | Should -Be 1, 2, 3
    }

    It 'where PowerShell cannot ask (-NonInteractive), it fails with ConfirmationRequired and logs off nobody' {
        Set-WtsFixture (New-LocalServer)
        $run = Invoke-ChildPwsh "`$ErrorView = 'NormalView'`nGet-UserSession | Where Idle -gt 30m | Stop-UserSession"
        $run.ExitCode | Should -Be 1
        $run.Stderr | Should -BeLike '*FullyQualifiedErrorId : ConfirmationRequired,Stop-UserSession*'
        $run.Stderr | Should -BeLike '*Nothing was done. Pass -Force or -Confirm:$false to act without asking.*'
        $run.Ms | Should -BeLessThan 30000
        $log = Get-WtsLog
        @($log | Where-Object fn -EQ 'WTSEnumerateSessionsExW').Count | Should -BeGreaterThan 0
        @($log | Where-Object event -In 'logoff', 'disconnect') | Should -BeNullOrEmpty
    }
}

Describe 'the helper process with the WTS backend' {
    BeforeEach { Reset-WtsStack }

    It 'Remove-Module ends the helper' {
        Set-WtsFixture (New-LocalServer)
        $null = Get-UserSession
        $helper = Get-HelperProcess
        $helper.HasExited | Should -BeFalse
        Remove-Module SessionTools
        $helper.WaitForExit(5000) | Should -BeTrue
    }

    # What the helper got is seen in the double: how many of its calls are inside it at once. libuv's
    # default pool (4 threads, 2 for WTS calls) would allow 2; the module gives 256 (HelperProcess.cs),
    # and a caller's own UV_THREADPOOL_SIZE wins (7: 5 for WTS calls, threadpool.ts keeps 2 free).
    # Works the same on Linux and under Wine (no reading of another process's environment).
    It 'starts the helper with a thread pool for many WTS calls at once (HelperProcess.cs), or with the caller''s own UV_THREADPOOL_SIZE' {
        $hosts = @(for ($i = 0; $i -lt 16; $i++) { @{ name = 'pool{0:d2}' -f $i; latencyMs = 500; sessions = @() } })
        Set-WtsFixture (@(New-LocalServer) + $hosts)
        $names = ($hosts | ForEach-Object { "'$($_.name)'" }) -join ','
        $run = "`$s = @(Get-UserSession -ComputerName $names -ThrottleLimit 16 -ErrorAction Stop); Remove-Module SessionTools"
        function Get-EnumerationsAtOnce {
            $calls = @(Get-WtsLog | Where-Object { $_.event -eq 'call' -and $_.fn -eq 'WTSEnumerateSessionsExW' -and $_.server -like 'pool*' })
            $calls.Count | Should -Be 16
            # A sweep over starts (+1) and ends (-1); an end and a start at the same moment do not overlap.
            $edges = @($calls | ForEach-Object { [pscustomobject] @{ t = [double] $_.t0; step = 1 }; [pscustomobject] @{ t = [double] $_.t1; step = -1 } })
            $now = 0; $most = 0
            foreach ($e in ($edges | Sort-Object t, step)) { $now += $e.step; if ($now -gt $most) { $most = $now } }
            $most
        }
        $default = Invoke-ChildPwsh $run
        $default.ExitCode | Should -Be 0 -Because $default.Stderr
        Get-EnumerationsAtOnce | Should -Be 16
        Reset-WtsStack
        $own = Invoke-ChildPwsh "`$env:UV_THREADPOOL_SIZE = '7'`n$run"
        $own.ExitCode | Should -Be 0 -Because $own.Stderr
        Get-EnumerationsAtOnce | Should -Be 5
    }
}

Describe 'many computers at once' {
    BeforeEach { Reset-WtsStack }

    It 'N hosts, some refusing and some hanging: every good host answers, one error per bad host, within the timeout' {
        $n = Get-FanOutSize
        $servers = for ($i = 0; $i -lt $n; $i++) {
            $server = @{
                name = 'srv{0:d3}' -f $i
                sessions = @(@{ id = 2; state = 'Active'; winStation = 'RDP-Tcp#1'; user = "u$i"; domain = 'CONTOSO'; lastInput = (Ago 1); protocol = 2 })
            }
            # One host in 20 is bad: alternately hanging (a machine that is off: RPC waits far
            # longer than -TimeoutSec) and refusing (RPC_S_SERVER_UNAVAILABLE at once).
            if ($i % 20 -ne 7) { $server.latencyMs = 50 }
            elseif ($i % 40 -eq 7) { $server.latencyMs = 60000 }
            else { $server.fail = 1722 }
            $server
        }
        Set-WtsFixture $servers
        $hanging = @($servers | Where-Object { $_.latencyMs -eq 60000 } | ForEach-Object name)
        $refusing = @($servers | Where-Object { $_.fail -eq 1722 } | ForEach-Object name)
        $good = @($servers | Where-Object { $_.latencyMs -eq 50 })
        $hanging.Count + $refusing.Count | Should -Be ([Math]::Floor(($n + 12) / 20))
        $hanging.Count | Should -BeGreaterThan 0
        $refusing.Count | Should -BeGreaterThan 0

        # A fresh helper: its worker threads start during this very call (1.5-3 s for 32 of them on
        # this 2-core machine under load). A host's -TimeoutSec counts from when a worker starts
        # asking it, so that start-up costs no good host a ComputerTimeout; it is the only allowance
        # in the bound below beyond -TimeoutSec itself.
        $throttle = 32
        $coldStartSec = 4
        $timeoutSec = 3
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $sessions = @($servers.name | Get-UserSession -ThrottleLimit $throttle -TimeoutSec $timeoutSec -ErrorVariable ev -ErrorAction SilentlyContinue)
        $watch.Stop()

        @($sessions | ForEach-Object { "$($_.ComputerName) $($_.UserName)" } | Sort-Object) |
            Should -Be @($good | ForEach-Object { "$($_.name) $($_.sessions[0].user)" } | Sort-Object)
        $expected = @($refusing | ForEach-Object { "ComputerUnreachable,Get-UserSession ConnectionError $_" }) +
            @($hanging | ForEach-Object { "ComputerTimeout,Get-UserSession OperationTimeout $_" })
        @($ev | ForEach-Object { "$($_.FullyQualifiedErrorId) $($_.CategoryInfo.Category) $($_.TargetObject)" } | Sort-Object) |
            Should -Be @($expected | Sort-Object)
        $watch.ElapsedMilliseconds | Should -BeLessThan (($timeoutSec + $coldStartSec + 4) * 1000)
    }
}
