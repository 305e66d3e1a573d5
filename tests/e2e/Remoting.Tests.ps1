# The fleet pattern, end to end on this machine: PowerShell remoting over SSH (Invoke-Command
# -HostName) to Debian's sshd on 127.0.0.1, whose `Subsystem powershell` is the PowerShell under
# test, logged in as root with the harness's key; the module is imported on the remote side and
# lists and logs off real ssh logins that the fixture server made (sshd.* ops).
#
# Without root or sshd the file is skipped and says why; with CI=true that is a failure. The
# remote mission line acts on every idle session of the machine: the harness holds a machine-wide
# lock while its sshd runs, so no other suite makes sessions meanwhile.

BeforeDiscovery {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $sshd = Get-TestSshdAvailability
}

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    # The module on this side too, as on an admin's machine, for [SessionTools.Duration] and the views.
    Import-Module (Get-TestModulePath) -Force
    $script:Users = 'st-rm-ann', 'st-rm-ben', 'st-rm-cid'
}

Describe 'this machine' {
    It 'can make real sessions, or the reason is known' -ForEach @($sshd) {
        if ($Failure) { throw $Failure }
        if (-not $Ok) { Set-ItResult -Skipped -Because $Reason }
    }
}

Describe 'Get-UserSession through PowerShell remoting over SSH' -Skip:(-not $sshd.Ok) {
    BeforeAll {
        $script:fixture = Start-TestFixture
        # Another suite may hold the machine-wide session lock for a while.
        $ssh = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.start' -Arguments @{ users = $script:Users; powershell = (Get-TestPwsh) } -TimeoutSec 660
        $script:remote = @{
            HostName = '127.0.0.1'
            Port = [int] $ssh.Port
            UserName = 'root'
            KeyFilePath = $ssh.KeyFile
            # A fresh host key each run: not remembered, not asked about.
            Options = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' }
        }
        $script:opened = [System.Collections.Generic.List[object]]::new()

        function Open-Session([string] $User, [int] $IdleMinutes) {
            # Logs the user in over ssh and makes the session idle that long: User, Tty, SessionId (the session id: its shell's kernel session).
            $s = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.open' -Arguments @{ user = $User }
            $script:opened.Add($s)
            $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.setIdle' -Arguments @{ leaderPid = $s.LeaderPid; minutes = $IdleMinutes }
            $s
        }
        function Test-Alive($Session) {
            [bool] (Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.alive' -Arguments @{ leaderPid = $Session.LeaderPid })
        }
        function Invoke-Remote([scriptblock] $ScriptBlock) {
            # The script block on "the server" (this machine, through sshd), with the module imported there.
            $block = [scriptblock]::Create("param(`$ModulePath) Import-Module `$ModulePath -ErrorAction Stop; $ScriptBlock")
            Invoke-Command @script:remote -ScriptBlock $block -ArgumentList (Get-TestModulePath) -ErrorAction Stop
        }
    }
    BeforeEach {
        # Idle 45 minutes, 5 minutes and 2 hours: as text, "5m" sorts after "30m" and "2h" before it.
        $script:ann = Open-Session $script:Users[0] 45
        $script:ben = Open-Session $script:Users[1] 5
        $script:cid = Open-Session $script:Users[2] 120
        $script:mine = @($script:ann.SessionId, $script:ben.SessionId, $script:cid.SessionId)
    }
    AfterEach {
        foreach ($s in $script:opened) { $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.close' -Arguments @{ leaderPid = $s.LeaderPid } }
        $script:opened.Clear()
    }
    AfterAll {
        if ($script:fixture) {
            try { $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.stop' } finally { Stop-TestFixture $script:fixture }
        }
    }

    It 'lists the logins of the remote machine as deserialized sessions, with the remote computer named' {
        $listed = @(Invoke-Remote { Get-UserSession } | Where-Object { $script:mine -contains $_.SessionId })
        $listed.Count | Should -Be 3
        foreach ($s in $script:ann, $script:ben, $script:cid) {
            $o = @($listed | Where-Object SessionId -EQ $s.SessionId)[0]
            $o.pstypenames[0] | Should -Be 'Deserialized.SessionTools.UserSession'
            $o.PSComputerName | Should -Be '127.0.0.1'
            $o.ComputerName | Should -Be ([System.Net.Dns]::GetHostName())
            $o.UserName | Should -Be $s.User
            $o.SessionName | Should -Be $s.Tty
            $o.State | Should -Be 'Active'
            $o.ClientAddress | Should -Be '127.0.0.1'
        }
        # Idle crosses the wire typed, as its exact Ticks (SessionTools.types.ps1xml), never as text.
        # Over SSH, PowerShell deserializes with its own default types only, not this session's
        # (docs/powershell.md, section 6), so Idle stays a Deserialized.SessionTools.Duration here:
        # [SessionTools.Duration] makes a Duration of it, and the default table shows it.
        $idle = @{}
        foreach ($o in $listed) { $idle[[int] $o.SessionId] = $o.Idle }
        ([SessionTools.Duration] $idle[[int] $script:ann.SessionId]).ToString('c') | Should -Be '45m'
        ([SessionTools.Duration] $idle[[int] $script:ben.SessionId]).ToString('c') | Should -Be '5m'
        ([SessionTools.Duration] $idle[[int] $script:cid.SessionId]).ToString('c') | Should -Be '2h00m'
        $listed | ForEach-Object { $_.Idle.pstypenames[0] | Should -Be 'Deserialized.SessionTools.Duration' }
        $listed[0].LogonTime | Should -BeOfType [datetime]
        $table = $listed | Out-String -Width 80
        # PowerShell adds a PSComputerName column to remoting output.
        $table | Should -Match '(?m)^\s+Id UserName\s+SessionName State\s+Idle LogonTime\s'
        $table | Should -Match ('(?m)^\s+' + $script:ann.SessionId + ' st-rm-ann\s+pts/\d+\s+Active\s+45m ')
    }

    It 'filters Where Idle -gt 30m on the remote side and logs those sessions off through remoting' {
        $stopped = @(Invoke-Remote { Get-UserSession | Where Idle -gt 30m | Stop-UserSession -Force -Wait -PassThru })
        @($stopped.SessionId | Sort-Object) | Should -Be @($script:ann.SessionId, $script:cid.SessionId | Sort-Object)
        $stopped[0].pstypenames[0] | Should -Be 'Deserialized.SessionTools.UserSession'
        @($stopped | ForEach-Object State | Sort-Object -Unique) | Should -BeExactly 'LoggedOff'
        Test-ProcessGone $script:ann.SessionId | Should -BeTrue -Because '-Wait returns once the session has ended'
        Test-ProcessGone $script:cid.SessionId | Should -BeTrue
        Wait-Until { -not (Test-Alive $script:ann) -and -not (Test-Alive $script:cid) } -TimeoutMs 15000 | Should -BeTrue
        Test-Alive $script:ben | Should -BeTrue -Because 'idle 5 minutes is not more than 30'
    }

    It 'filters Where Idle -gt 30m on the client, after deserialization: an error while Idle is a bag, right once it is a Duration' {
        # Idle once came back from remoting as a String, so -gt 30m compared text ("5m" sorts after
        # "30m", "2h00m" before it) and picked ann and ben instead of ann and cid, silently. Over SSH
        # it now comes back as a Deserialized.SessionTools.Duration, which cannot be compared: an
        # error for each session, and none passes. [SessionTools.Duration] makes a Duration of it
        # (over WinRM, PowerShell does that itself with the module's types; not testable here).
        $listed = @(Invoke-Remote { Get-UserSession } | Where-Object { $script:mine -contains $_.SessionId })
        $passed = @($listed | Where Idle -gt 30m -ErrorVariable failed -ErrorAction SilentlyContinue)
        $passed.Count | Should -Be 0
        $failed.Count | Should -Be 3
        $failed[0].Exception.Message | Should -BeLike '*IComparable*'
        $idle = @($listed | ForEach-Object { $_.Idle = [SessionTools.Duration] $_.Idle; $_ } | Where Idle -gt 30m)
        @($idle.SessionId | Sort-Object) | Should -Be @($script:ann.SessionId, $script:cid.SessionId | Sort-Object)
    }

    It 'where the module is not loaded on this side, Where Idle -gt 30m is an error and lets no session through' {
        $script = @'
$block = { param($m) Import-Module $m -ErrorAction Stop; Get-UserSession }
$options = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' }
$s = @(Invoke-Command -HostName 127.0.0.1 -Port ([int] $env:ST_RM_PORT) -UserName root -KeyFilePath $env:ST_RM_KEY -Options $options -ScriptBlock $block -ArgumentList $env:ST_RM_MODULE -ErrorAction Stop)
'LISTED ' + $s.Count
'TYPE ' + $s[0].Idle.GetType().FullName
$s | Where Idle -gt 30m | ForEach-Object { 'PASSED ' + $_.UserName }
'@
        $env = @{ ST_RM_PORT = $script:remote.Port; ST_RM_KEY = $script:remote.KeyFilePath; ST_RM_MODULE = Get-TestModulePath }
        $run = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -Environment $env -TimeoutSec 120
        $run.Stdout | Should -Match 'LISTED ([3-9]|\d\d)' -Because $run.Stderr
        $run.Stdout | Should -Match 'TYPE System.Management.Automation.PSObject'
        $run.Stdout | Should -Not -Match 'PASSED' -Because 'a filter that cannot compare lets no session through'
        $run.Stderr | Should -Match 'IComparable'
    }
}
