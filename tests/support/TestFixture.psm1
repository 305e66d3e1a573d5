# Test support for Pester: the real fixtures of tests/support/fixture-server.ts (sshd logins,
# session leaders recorded in utmp files, the wtsapi32 double), reached over the server's stdio,
# and the paths a test needs (the module, the PowerShell under test).
# Windows PowerShell 5.1 syntax, like everything the project ships.

$script:Root = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))

function Get-TestRoot { $script:Root }

function Get-TestModulePath {
    # The module under test: module/ of this checkout, or the one SESSIONTOOLS_TEST_MODULE names
    # (the Windows stage, when Pester runs in Windows PowerShell under Wine).
    if ($env:SESSIONTOOLS_TEST_MODULE) { return $env:SESSIONTOOLS_TEST_MODULE }
    [System.IO.Path]::Combine($script:Root, 'module', 'SessionTools.psd1')
}

function Get-TestPwsh {
    # The PowerShell under test, for child processes: the runner passes it (SESSIONTOOLS_PWSH, or the
    # pinned tool's launcher).
    if ($env:SESSIONTOOLS_TEST_PWSH) { return $env:SESSIONTOOLS_TEST_PWSH }
    if ($env:SESSIONTOOLS_PWSH) { return $env:SESSIONTOOLS_PWSH }
    [System.IO.Path]::Combine($script:Root, '.tools', 'bin', 'pwsh')
}

function Start-TestFixture {
    # Starts one fixture server; its processes end when Stop-TestFixture is called or this
    # PowerShell exits (the server sees EOF on its stdin).
    $node = $env:SESSIONTOOLS_TEST_NODE
    if (-not $node) { $node = 'node' }
    $psi = [System.Diagnostics.ProcessStartInfo]::new($node)
    foreach ($a in '--import', 'tsx', ([System.IO.Path]::Combine($script:Root, 'tests', 'support', 'fixture-server.ts'))) { $psi.ArgumentList.Add($a) }
    $psi.WorkingDirectory = $script:Root
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $false
    $psi.StandardOutputEncoding = [System.Text.UTF8Encoding]::new($false)
    # Requests carry non-ASCII text (user names); Windows would otherwise write the OEM code page.
    $psi.StandardInputEncoding = [System.Text.UTF8Encoding]::new($false)
    $process = [System.Diagnostics.Process]::Start($psi)
    $process.StandardInput.AutoFlush = $true
    [pscustomobject] @{ Process = $process; NextId = 1 }
}

function Invoke-TestFixture {
    param(
        [Parameter(Mandatory)] $Fixture,
        [Parameter(Mandatory)] [string] $Op,
        [hashtable] $Arguments = @{},
        [int] $TimeoutSec = 120
    )
    $id = $Fixture.NextId
    $Fixture.NextId++
    $line = @{ id = $id; op = $Op; args = $Arguments } | ConvertTo-Json -Compress -Depth 20
    $Fixture.Process.StandardInput.WriteLine($line)
    $read = $Fixture.Process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds($TimeoutSec))) { throw "fixture op '$Op' did not answer within $TimeoutSec s" }
    if ($null -eq $read.Result) { throw "fixture server ended (exit $($Fixture.Process.ExitCode)) during '$Op'" }
    $answer = $read.Result | ConvertFrom-Json
    if ($answer.id -ne $id) { throw "fixture answered id $($answer.id) to request $id" }
    if ($null -ne $answer.error) { throw "fixture op '$Op' failed: $($answer.error)" }
    $answer.result
}

function Stop-TestFixture {
    param([Parameter(Mandatory)] $Fixture)
    if ($null -eq $Fixture -or $Fixture.Process.HasExited) { return }
    $Fixture.Process.StandardInput.Close()
    if (-not $Fixture.Process.WaitForExit(30000)) { $Fixture.Process.Kill() }
}

function Get-TestCatalog {
    # The command catalog as resolved with the methods' fields (the fixture's 'catalog' op), for
    # Pester's discovery: one object per command, its parameters keyed by name.
    $fixture = Start-TestFixture
    try {
        @(Invoke-TestFixture -Fixture $fixture -Op 'catalog')
    } finally {
        Stop-TestFixture -Fixture $fixture
    }
}

function Get-TestSshdAvailability {
    # Whether real ssh logins can be made here (the fixture's 'sshd.availability'), for -Skip at
    # discovery: @{ Ok; Reason; Failure }. Under CI=true nothing may be skipped: sshd that cannot
    # run there throws here, so every file that asks fails its discovery instead of skipping.
    $fixture = Start-TestFixture
    try {
        $a = Invoke-TestFixture -Fixture $fixture -Op 'sshd.availability'
        @{ Ok = [bool] $a.Ok; Reason = $a.Reason; Failure = $null }
    } catch {
        if ($env:CI -eq 'true') { throw }
        @{ Ok = $false; Reason = $null; Failure = $_.Exception.Message }
    } finally {
        Stop-TestFixture -Fixture $fixture
    }
}

function Test-ProcessGone {
    # True when the pid does not exist or is a zombie (exited, not yet reaped).
    param([Parameter(Mandatory)] [int] $ProcessId)
    $stat = "/proc/$ProcessId/stat"
    try { $text = [System.IO.File]::ReadAllText($stat) } catch { return $true }
    $state = $text.Substring($text.LastIndexOf(')') + 2).Split(' ')[0]
    $state -eq 'Z' -or $state -eq 'X'
}

function Wait-Until {
    # Polls the script block every 20 ms until it returns true; returns whether it did in time.
    param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutMs = 5000)
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    while ($watch.ElapsedMilliseconds -lt $TimeoutMs) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 20
    }
    [bool] (& $Condition)
}

function Invoke-TestPwsh {
    # Runs the PowerShell under test as a child process: @{ ExitCode; Stdout; Stderr; Ms }.
    # -Stdin: text written to stdin, which is then closed (stdin is always a closed pipe).
    # -StdinPath (Unix): stdin is that file instead (/dev/null, as cron and systemd give it), opened
    # by /bin/sh, which then execs the PowerShell under test in the same process.
    param(
        [Parameter(Mandatory)] [string[]] $ArgumentList,
        [string] $Stdin = '',
        [string] $StdinPath,
        [hashtable] $Environment = @{},
        [int] $TimeoutSec = 60
    )
    if ($StdinPath) {
        $psi = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
        foreach ($a in '-c', 'f=$1; shift; exec "$@" < "$f"', 'sh', $StdinPath, (Get-TestPwsh)) { $psi.ArgumentList.Add($a) }
    } else {
        $psi = [System.Diagnostics.ProcessStartInfo]::new((Get-TestPwsh))
    }
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.WorkingDirectory = $script:Root
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string] $Environment[$k] }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $p = [System.Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    try { $p.StandardInput.Write($Stdin); $p.StandardInput.Close() } catch { }
    if (-not $p.WaitForExit($TimeoutSec * 1000)) {
        $p.Kill($true)
        throw "pwsh $($ArgumentList -join ' ') did not end within $TimeoutSec s; stdout: $($out.Result) stderr: $($err.Result)"
    }
    $p.WaitForExit()
    [pscustomobject] @{ ExitCode = $p.ExitCode; Stdout = $out.Result; Stderr = $err.Result; Ms = $watch.ElapsedMilliseconds }
}

function Get-TestPwshForAll {
    # The PowerShell under test as a command line (quoted for /bin/sh) that every user may run. The
    # pinned tool lives under /root, which other users cannot read: its folder is copied once to
    # /var/tmp/sessiontools-test-pwsh (readable by all) and run from there.
    $base = '/var/tmp/sessiontools-test-pwsh'
    $null = [System.IO.Directory]::CreateDirectory($base)
    $pwsh = Get-TestPwsh
    $command = "'$pwsh'"
    $pinned = [regex]::Match([System.IO.File]::ReadAllText($pwsh), "exec '([^']+)' '([^']+\.dll)'")
    if ($pinned.Success) {
        $source = [System.IO.Path]::GetDirectoryName($pinned.Groups[2].Value)
        $copy = [System.IO.Path]::Combine($base, $source.Trim('/').Replace('/', '_'))
        if (-not [System.IO.Directory]::Exists($copy)) {
            $temp = "$copy.$PID"
            Copy-Item -LiteralPath $source -Destination $temp -Recurse
            try { [System.IO.Directory]::Move($temp, $copy) } catch { Remove-Item -LiteralPath $temp -Recurse -Force }
        }
        $command = "'$($pinned.Groups[1].Value)' '$([System.IO.Path]::Combine($copy, [System.IO.Path]::GetFileName($pinned.Groups[2].Value)))'"
    }
    $command
}

function Get-TestModulePathForAll {
    # The module under test (its manifest path) where every user may read it, for tests that run it
    # as a standard user or inside an ssh login: a checkout under /root (mode 0700) is not readable
    # by them. module/ is copied for this PowerShell process to /var/tmp/sessiontools-test-pwsh,
    # beside a copy of koffi (the development helper loads it from node_modules, by walking up).
    if ($env:SESSIONTOOLS_TEST_MODULE) { return $env:SESSIONTOOLS_TEST_MODULE }
    $base = '/var/tmp/sessiontools-test-pwsh'
    $copy = [System.IO.Path]::Combine($base, "module-$PID", 'SessionTools')
    if (-not [System.IO.Directory]::Exists($copy)) {
        $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($copy))
        Copy-Item -LiteralPath ([System.IO.Path]::Combine($script:Root, 'module')) -Destination $copy -Recurse
        $modules = [System.IO.Path]::Combine($script:Root, 'node_modules')
        $packages = @('koffi') + @(Get-ChildItem -LiteralPath ([System.IO.Path]::Combine($modules, '@koromix')) -Directory -ErrorAction SilentlyContinue | ForEach-Object { "@koromix/$($_.Name)" })
        foreach ($package in $packages) {
            $target = [System.IO.Path]::Combine($base, 'node_modules', $package)
            if ([System.IO.Directory]::Exists($target)) { continue }
            $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($target))
            $temp = "$target.$PID"
            Copy-Item -LiteralPath ([System.IO.Path]::Combine($modules, $package)) -Destination $temp -Recurse
            try { [System.IO.Directory]::Move($temp, $target) } catch { Remove-Item -LiteralPath $temp -Recurse -Force }
        }
    }
    [System.IO.Path]::Combine($copy, 'SessionTools.psd1')
}

function Get-TestPwshAs {
    # A launcher (Unix, as root) that runs the PowerShell under test as a standard user: setpriv
    # drops to the user's uid and gid (no shell, no supplementary groups) with HOME in a folder of
    # its own.
    param([Parameter(Mandatory)] [string] $User)
    $entry = @([System.IO.File]::ReadAllLines('/etc/passwd') | Where-Object { $_.StartsWith("$User`:") })
    if ($entry.Count -ne 1) { throw "no user $User in /etc/passwd" }
    $uid, $gid = $entry[0].Split(':')[2, 3]
    $base = '/var/tmp/sessiontools-test-pwsh'
    $command = Get-TestPwshForAll
    $userHome = [System.IO.Path]::Combine($base, "home-$User")
    $null = [System.IO.Directory]::CreateDirectory($userHome)
    $chown = Start-Process -FilePath 'chown' -ArgumentList "$uid`:$gid", $userHome -Wait -PassThru
    if ($chown.ExitCode -ne 0) { throw "chown $userHome failed" }
    $launcher = [System.IO.Path]::Combine($base, "as-$User.sh")
    [System.IO.File]::WriteAllText($launcher, "#!/bin/sh`nexec setpriv --reuid=$uid --regid=$gid --clear-groups env HOME='$userHome' $command `"`$@`"`n")
    [System.IO.File]::SetUnixFileMode($launcher, [System.IO.UnixFileMode] 'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute, OtherRead, OtherExecute')
    $launcher
}

function Invoke-TestPwshAs {
    # Invoke-TestPwsh as a standard user (Get-TestPwshAs): same arguments, same answer.
    param(
        [Parameter(Mandatory)] [string] $User,
        [Parameter(Mandatory)] [string[]] $ArgumentList,
        [string] $Stdin = '',
        [string] $StdinPath,
        [hashtable] $Environment = @{},
        [int] $TimeoutSec = 60
    )
    $saved = $env:SESSIONTOOLS_TEST_PWSH
    $env:SESSIONTOOLS_TEST_PWSH = Get-TestPwshAs -User $User
    try {
        $rest = @{ ArgumentList = $ArgumentList; Stdin = $Stdin; Environment = $Environment; TimeoutSec = $TimeoutSec }
        if ($StdinPath) { $rest.StdinPath = $StdinPath }
        Invoke-TestPwsh @rest
    } finally {
        $env:SESSIONTOOLS_TEST_PWSH = $saved
    }
}

function Start-TestSshd {
    # For a file of tests on real ssh logins: clears SESSIONTOOLS_UTMP_PATH and
    # SESSIONTOOLS_WTSAPI_PATH (Stop-TestSshd restores them) so that the module under test, imported
    # here, reads the machine's utmp; starts a fixture server and its sshd with these users (another
    # suite may hold the machine-wide session lock for a while). The context the other *-TestSsh*
    # functions take: @{ Fixture; Server (what sshd.start answered: Port, KeyFile, ...); Opened; SavedEnv }.
    param([Parameter(Mandatory)] [string[]] $Users)
    $saved = @{}
    foreach ($name in 'SESSIONTOOLS_UTMP_PATH', 'SESSIONTOOLS_WTSAPI_PATH') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $fixture = $null
    try {
        Import-Module (Get-TestModulePath) -Force -Global -ErrorAction Stop
        $fixture = Start-TestFixture
        $server = Invoke-TestFixture -Fixture $fixture -Op 'sshd.start' -Arguments @{ users = $Users } -TimeoutSec 660
    } catch {
        # No context for Stop-TestSshd: undo here what was done.
        if ($null -ne $fixture) { Stop-TestFixture -Fixture $fixture }
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        throw
    }
    [pscustomobject] @{ Fixture = $fixture; Server = $server; Opened = [System.Collections.Generic.List[object]]::new(); SavedEnv = $saved }
}

function Open-TestSshSession {
    # Logs the user in over ssh (closed by Close-TestSshSessions): User, Tty, LeaderPid, ...; with
    # IdleMinutes, its terminal's last input is that long ago.
    param([Parameter(Mandatory)] $Context, [Parameter(Mandatory)] [string] $User, [int] $IdleMinutes = 0)
    $s = Invoke-TestFixture -Fixture $Context.Fixture -Op 'sshd.open' -Arguments @{ user = $User }
    $Context.Opened.Add($s)
    if ($IdleMinutes -gt 0) { $null = Invoke-TestFixture -Fixture $Context.Fixture -Op 'sshd.setIdle' -Arguments @{ leaderPid = $s.LeaderPid; minutes = $IdleMinutes } }
    $s
}

function Get-TestSshOutput {
    # What the session's ssh client printed, its bell shown as <BEL> (a test report cannot hold one).
    param([Parameter(Mandatory)] $Context, [Parameter(Mandatory)] $Session)
    ([string] (Invoke-TestFixture -Fixture $Context.Fixture -Op 'sshd.output' -Arguments @{ leaderPid = $Session.LeaderPid })).Replace([string] [char] 7, '<BEL>')
}

function Test-TestSshAlive {
    # The ssh client still runs and the session's leader is alive.
    param([Parameter(Mandatory)] $Context, [Parameter(Mandatory)] $Session)
    [bool] (Invoke-TestFixture -Fixture $Context.Fixture -Op 'sshd.alive' -Arguments @{ leaderPid = $Session.LeaderPid })
}

function Close-TestSshSession {
    # Ends one session now (its client and its login), as its user logging out would.
    param([Parameter(Mandatory)] $Context, [Parameter(Mandatory)] $Session)
    $null = Invoke-TestFixture -Fixture $Context.Fixture -Op 'sshd.close' -Arguments @{ leaderPid = $Session.LeaderPid }
    $null = $Context.Opened.Remove($Session)
}

function Close-TestSshSessions {
    # Ends every session Open-TestSshSession opened and that is still open (AfterEach).
    param([Parameter(Mandatory)] $Context)
    foreach ($s in @($Context.Opened)) { Close-TestSshSession -Context $Context -Session $s }
}

function Stop-TestSshd {
    # Undoes Start-TestSshd (AfterAll): the module, the sshd, the fixture server, the environment.
    param($Context)
    Remove-Module SessionTools -ErrorAction SilentlyContinue
    if ($null -eq $Context) { return }
    try { $null = Invoke-TestFixture -Fixture $Context.Fixture -Op 'sshd.stop' } finally { Stop-TestFixture $Context.Fixture }
    foreach ($name in $Context.SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $Context.SavedEnv[$name]) }
}

function Start-TestWtsDouble {
    # For a file of tests of the Windows stack on the C double of wtsapi32: starts a fixture server,
    # builds the double (or takes SESSIONTOOLS_TEST_WTSAPI: the Windows DLL, under wine64) and sets
    # what the helper inherits when the module starts it: SESSIONTOOLS_WTSAPI_PATH and
    # WTSDOUBLE_FIXTURE (Stop-TestWtsDouble restores them: every Pester file runs in one PowerShell).
    # The context the other *-TestWts* functions take: @{ Fixture; Dir; Double; Runs; SavedEnv }.
    $fixture = Start-TestFixture
    try {
        # The fixture's temp folder, named as the fixture server sees it (removed when it stops).
        $dir = Invoke-TestFixture -Fixture $fixture -Op 'dir'
        $double = $env:SESSIONTOOLS_TEST_WTSAPI
        if (-not $double) {
            $kind = if ($IsWindows) { 'windows' } else { 'linux' }
            $double = Invoke-TestFixture -Fixture $fixture -Op 'double.build' -Arguments @{ kind = $kind }
        }
    } catch {
        Stop-TestFixture -Fixture $fixture
        throw
    }
    $saved = @{}
    foreach ($name in 'SESSIONTOOLS_WTSAPI_PATH', 'WTSDOUBLE_FIXTURE', 'WTSDOUBLE_LOG') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $env:SESSIONTOOLS_WTSAPI_PATH = $double
    $env:WTSDOUBLE_FIXTURE = [System.IO.Path]::Combine($dir, 'wts-fixture')
    [pscustomobject] @{ Fixture = $fixture; Dir = $dir; Double = $double; Runs = 0; SavedEnv = $saved }
}

function Reset-TestWtsDouble {
    # A new helper (so a new double with no state) writing to a new log: each test sees only its
    # own calls (BeforeEach). The module is imported globally, for the tests to call.
    param([Parameter(Mandatory)] $Context)
    Remove-Module SessionTools -ErrorAction Ignore
    $Context.Runs++
    $env:WTSDOUBLE_LOG = [System.IO.Path]::Combine($Context.Dir, "wts-log-$($Context.Runs)")
    Import-Module (Get-TestModulePath) -Force -Global -ErrorAction Stop
}

function Set-TestWtsFixture {
    # Writes the double's fixture: these servers (hashtables as fixture-server.ts takes them).
    param([Parameter(Mandatory)] $Context, [Parameter(Mandatory)] [object[]] $Servers)
    $null = Invoke-TestFixture -Fixture $Context.Fixture -Op 'double.fixture' -Arguments @{ path = $env:WTSDOUBLE_FIXTURE; servers = $Servers }
}

function Get-TestWtsLog {
    # The double's log of this test: one object per event (pointers and FILETIMEs as strings).
    param([Parameter(Mandatory)] $Context)
    @(Invoke-TestFixture -Fixture $Context.Fixture -Op 'double.log' -Arguments @{ path = $env:WTSDOUBLE_LOG })
}

function Stop-TestWtsDouble {
    # Undoes Start-TestWtsDouble (AfterAll): the module, the environment, the fixture server.
    param($Context)
    Remove-Module SessionTools -ErrorAction Ignore
    if ($null -eq $Context) { return }
    foreach ($name in $Context.SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $Context.SavedEnv[$name]) }
    Stop-TestFixture -Fixture $Context.Fixture
}

Export-ModuleMember -Function *
