# The release package on Linux (tools/package.ts, `npm run package`): the .nupkg published to a
# temporary local PSResourceGet repository and installed from it by Install-PSResource into a
# temporary HOME's module path, then used by a PowerShell with no node anywhere on its PATH:
# Import-Module by name, the helper the package carries, the mission line and -WhatIf against real
# sshd sessions; the copy-deployment archive; the refusal to start, as root, a helper that an
# ordinary user could change. The package is made (or found up to date) by BeforeAll.
# The Windows half is tests/package/package-wine.test.ts.

BeforeDiscovery {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $sshd = Get-TestSshdAvailability
}

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $script:Root = Get-TestRoot
    $script:Version = (Get-Content -Raw ([System.IO.Path]::Combine($script:Root, 'package.json')) | ConvertFrom-Json).version
    $script:Users = 'st-pkg-ann', 'st-pkg-ben'

    # The package: `tsx tools/package.ts --if-stale` (about a minute when it has to be made).
    $node = $env:SESSIONTOOLS_TEST_NODE
    if (-not $node) { $node = 'node' }
    $made = & $node --import tsx ([System.IO.Path]::Combine($script:Root, 'tools', 'package.ts')) --if-stale 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tools/package.ts failed: $made" }
    $script:Dist = [System.IO.Path]::Combine($script:Root, 'dist')
    $script:Nupkg = [System.IO.Path]::Combine($script:Dist, "SessionTools.$script:Version.nupkg")

    # A HOME of its own (PSResourceGet's repositories and the CurrentUser module path live there)
    # and a PATH with nothing on it.
    $script:Work = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "st-package-$PID")
    Remove-Item -Recurse -Force $script:Work -ErrorAction Ignore
    $script:HomeDir = [System.IO.Path]::Combine($script:Work, 'home')
    $script:NoBin = [System.IO.Path]::Combine($script:Work, 'empty-path')
    # .NET's GetFolderPath gives '' for a folder that does not exist, and PSResourceGet and NuGet
    # then write their settings into the current directory: both folders are made first.
    $null = New-Item -ItemType Directory -Force $script:HomeDir, $script:NoBin, ([System.IO.Path]::Combine($script:Work, 'repo')),
        ([System.IO.Path]::Combine($script:HomeDir, '.local', 'share')), ([System.IO.Path]::Combine($script:HomeDir, '.config'))
    $script:Installed = [System.IO.Path]::Combine($script:HomeDir, '.local', 'share', 'powershell', 'Modules', 'SessionTools', $script:Version)
    $script:HelperDir = [System.IO.Path]::Combine($script:Installed, 'bin', 'linux-x64')

    # The module reads the machine's utmp with the local backend.
    $script:savedEnv = @{}
    foreach ($name in 'SESSIONTOOLS_UTMP_PATH', 'SESSIONTOOLS_WTSAPI_PATH') {
        $script:savedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }

    function Invoke-Installed([string] $Script, [int] $TimeoutSec = 120) {
        # A PowerShell whose HOME is the temporary one and whose PATH is an empty folder; $Script's
        # output is JSON on the last line of stdout.
        $run = Invoke-TestPwsh -TimeoutSec $TimeoutSec -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $Script -Environment @{
            HOME = $script:HomeDir; PATH = $script:NoBin
            XDG_DATA_HOME = [System.IO.Path]::Combine($script:HomeDir, '.local', 'share'); XDG_CONFIG_HOME = [System.IO.Path]::Combine($script:HomeDir, '.config')
        }
        $run
    }
    function Read-Json($Run) {
        $lines = @($Run.Stdout -split "`n" | Where-Object { $_.Trim() })
        if ($lines.Count -eq 0) { throw "no output; exit $($Run.ExitCode); stderr: $($Run.Stderr)" }
        $lines[-1] | ConvertFrom-Json
    }

    $script:Install = Invoke-Installed @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name StLocal -Uri '$([System.IO.Path]::Combine($script:Work, 'repo'))' -Trusted
Publish-PSResource -NupkgPath '$script:Nupkg' -Repository StLocal
Install-PSResource -Name SessionTools -Repository StLocal -Scope CurrentUser -TrustRepository
`$r = Get-InstalledPSResource -Name SessionTools
@{ Version = [string] `$r.Version; Location = `$r.InstalledLocation } | ConvertTo-Json -Compress
"@
}

AfterAll {
    Remove-Item -Recurse -Force $script:Work -ErrorAction Ignore
    foreach ($name in $script:savedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:savedEnv[$name]) }
}

Describe 'the package installed by Install-PSResource' {
    It 'Publish-PSResource takes the .nupkg and Install-PSResource installs it, in the version of package.json' {
        $script:Install.ExitCode | Should -Be 0 -Because $script:Install.Stderr
        (Read-Json $script:Install).Version | Should -Be $script:Version
        foreach ($f in 'SessionTools.psd1', 'SessionTools.psm1', 'bin/SessionTools.Types.dll', 'bin/linux-x64/node', 'bin/linux-x64/helper.mjs', 'bin/linux-x64/wts-worker.mjs', 'bin/win-x64/node.exe', 'bin/win-x64/helper.mjs') {
            Test-Path -LiteralPath ([System.IO.Path]::Combine($script:Installed, $f)) | Should -BeTrue -Because "$f is in the package"
        }
        @(Get-ChildItem -LiteralPath $script:HelperDir -Filter 'koffi-*.node').Count | Should -Be 1
    }

    It 'Test-ModuleManifest passes and every file the manifest names is in the package' {
        $m = Test-ModuleManifest -Path ([System.IO.Path]::Combine($script:Installed, 'SessionTools.psd1')) -ErrorAction Stop
        $m.Version.ToString() | Should -Be $script:Version
        $m.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $m.PowerShellVersion.ToString() | Should -Be '5.1'
        $m.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Desktop'
        $m.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
        $data = Import-PowerShellDataFile ([System.IO.Path]::Combine($script:Installed, 'SessionTools.psd1'))
        foreach ($f in @($data.RootModule) + $data.RequiredAssemblies + $data.FormatsToProcess + $data.TypesToProcess) {
            Test-Path -LiteralPath ([System.IO.Path]::Combine($script:Installed, $f)) | Should -BeTrue -Because "the manifest names $f"
        }
    }

    It 'with no node on PATH, Import-Module SessionTools by name starts the packaged helper, whose handshake carries the version' {
        $run = Invoke-Installed @'
$ErrorActionPreference = 'Stop'
$onPath = @(Get-Command node, nodejs -ErrorAction Ignore).Count
$m = Import-Module SessionTools -PassThru
$sessions = @(Get-UserSession)
$helperPid = [SessionTools.Rpc.HelperClient]::Instances[0].ProcessId
$exe = [System.IO.File]::ResolveLinkTarget("/proc/$helperPid/exe", $false).FullName
@{ OnPath = $onPath; Base = $m.ModuleBase; Exe = $exe; Count = $sessions.Count } | ConvertTo-Json -Compress
'@
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $r = Read-Json $run
        $r.OnPath | Should -Be 0
        $r.Base | Should -Be $script:Installed
        $r.Exe | Should -Be ([System.IO.Path]::Combine($script:HelperDir, 'node'))

        # The helper's own answer to initialize.
        $psi = [System.Diagnostics.ProcessStartInfo]::new([System.IO.Path]::Combine($script:HelperDir, 'node'))
        $psi.ArgumentList.Add([System.IO.Path]::Combine($script:HelperDir, 'helper.mjs'))
        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
        $p = [System.Diagnostics.Process]::Start($psi)
        try {
            $p.StandardInput.WriteLine('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"ProtocolVersion":2}}')
            $answer = $p.StandardOutput.ReadLineAsync()
            $answer.Wait(30000) | Should -BeTrue
            ($answer.Result | ConvertFrom-Json).result.HelperVersion | Should -Be $script:Version
        } finally {
            $p.StandardInput.Close()
            if (-not $p.WaitForExit(5000)) { $p.Kill() }
        }
    }

    It 'a runtime without its execute bit (a zip keeps no Unix modes) gets it back; without the runtime it is HelperNotFound naming bin/linux-x64' {
        $node = [System.IO.Path]::Combine($script:HelperDir, 'node')
        chmod 644 $node
        $run = Invoke-Installed 'Import-Module SessionTools -ErrorAction Stop; $null = Get-UserSession -ErrorAction Stop; [SessionTools.Rpc.HelperClient]::Instances[0].ProcessId | ConvertTo-Json'
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        (Read-Json $run) | Should -BeGreaterThan 0
        (Get-Item -LiteralPath $node).UnixMode | Should -Be '-rwxr-xr-x'

        Rename-Item -LiteralPath $node -NewName 'node.off'
        try {
            $run = Invoke-Installed 'Import-Module SessionTools -ErrorAction Stop; try { $null = Get-UserSession -ErrorAction Stop } catch { @{ Id = $_.FullyQualifiedErrorId; Message = $_.Exception.Message } | ConvertTo-Json -Compress }'
            $r = Read-Json $run
            $r.Id | Should -Be 'HelperNotFound,Get-UserSession'
            $r.Message | Should -Be "The SessionTools helper is missing from '$script:HelperDir'."
        } finally {
            Rename-Item -LiteralPath "$node.off" -NewName 'node'
        }
    }

    It 'the copy-deployment archive, unpacked into a module path, imports by name and answers' {
        $modules = [System.IO.Path]::Combine($script:Work, 'copied')
        $null = New-Item -ItemType Directory -Force $modules
        tar -xzf ([System.IO.Path]::Combine($script:Dist, "SessionTools-$script:Version-linux-x64.tar.gz")) -C $modules
        $LASTEXITCODE | Should -Be 0
        $run = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = '$modules'
`$m = Import-Module SessionTools -PassThru
`$null = @(Get-UserSession)
@{ Base = `$m.ModuleBase; Pid = [SessionTools.Rpc.HelperClient]::Instances[0].ProcessId } | ConvertTo-Json -Compress
"@ -Environment @{ PATH = $script:NoBin }
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $r = Read-Json $run
        $r.Base | Should -Be ([System.IO.Path]::Combine($modules, 'SessionTools', $script:Version))
        $r.Pid | Should -BeGreaterThan 0
        Test-Path ([System.IO.Path]::Combine($modules, 'SessionTools', $script:Version, 'bin', 'win-x64')) | Should -BeFalse -Because 'the Linux archive carries only the Linux helper'
    }
}

Describe 'elevated start' {
    BeforeAll {
        $script:Root0 = [Environment]::UserName -eq 'root'
        # A user other than root: an account of the system's own (nobody), by number.
        $script:OtherUid = 65534
        $script:Attempt = @'
$m = Import-Module SessionTools -PassThru -ErrorAction Stop
try { $null = Get-UserSession -ErrorAction Stop; $e = $null } catch { $e = $_ }
@{ Id = if ($e) { $e.FullyQualifiedErrorId } else { $null }; Category = if ($e) { [string] $e.CategoryInfo.Category } else { $null }
   Message = if ($e) { $e.Exception.Message } else { $null }; Target = if ($e) { [string] $e.TargetObject } else { $null }
   Pid = [SessionTools.Rpc.HelperClient]::Instances[0].ProcessId } | ConvertTo-Json -Compress
'@
    }

    It 'as root, a helper folder an ordinary user owns is refused with HelperNotProtected, naming it; accepted once root owns it again' -Skip:(-not ([Environment]::UserName -eq 'root')) {
        [System.IO.Directory]::Exists($script:HelperDir) | Should -BeTrue -Because 'the package was installed'
        chown $script:OtherUid $script:HelperDir
        try {
            $r = Read-Json (Invoke-Installed $script:Attempt)
            $r.Id | Should -BeLike 'HelperNotProtected*'
            $r.Category | Should -Be 'SecurityError'
            $r.Target | Should -Be $script:HelperDir
            $r.Message | Should -BeLike "*'$script:HelperDir'*owned by uid $script:OtherUid*"
            $r.Pid | Should -Be $null -Because 'no helper was started'
        } finally {
            chown 0 $script:HelperDir
        }
        $r = Read-Json (Invoke-Installed $script:Attempt)
        $r.Id | Should -Be $null -Because $r.Message
        $r.Pid | Should -BeGreaterThan 0
    }

    It 'as root, <What> is refused naming <Name>' -Skip:(-not ([Environment]::UserName -eq 'root')) -ForEach @(
        @{ What = 'a helper bundle everyone may write'; Name = 'bin/linux-x64/helper.mjs'; Mode = 'o+w'; Why = 'everyone may write it' }
        @{ What = 'a runtime its group (not root) may write'; Name = 'bin/linux-x64/node'; Mode = 'g+w'; Group = 65534; Why = 'its group (gid 65534) may write it' }
        @{ What = 'a module folder everyone may write'; Name = '.'; Mode = 'o+w'; Why = 'everyone may write it' }
    ) {
        $path = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($script:Installed, $Name)).TrimEnd('/')
        $savedGid = (Get-Item -LiteralPath $path).UnixStat.GroupId
        if ($Group) { chgrp $Group $path }
        chmod $Mode $path
        try {
            $r = Read-Json (Invoke-Installed $script:Attempt)
            $r.Id | Should -BeLike 'HelperNotProtected*'
            $r.Target | Should -Be $path
            $r.Message | Should -BeLike "*($Why)*"
        } finally {
            chmod ($Mode -replace '\+', '-') $path
            chgrp $savedGid $path
        }
        (Read-Json (Invoke-Installed $script:Attempt)).Id | Should -Be $null
    }
}

Describe 'the installed package against real ssh sessions' -Skip:(-not $sshd.Ok) {
    BeforeAll {
        $script:fixture = Start-TestFixture
        $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.start' -Arguments @{ users = $script:Users } -TimeoutSec 660
        $script:opened = [System.Collections.Generic.List[object]]::new()
        function Open-Session([string] $User) {
            $s = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.open' -Arguments @{ user = $User }
            $script:opened.Add($s)
            $s
        }
        function Test-Alive($Session) { [bool] (Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.alive' -Arguments @{ leaderPid = $Session.LeaderPid }) }
    }
    AfterAll {
        foreach ($s in $script:opened) { $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.close' -Arguments @{ leaderPid = $s.LeaderPid } }
        if ($script:fixture) {
            try { $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.stop' } finally { Stop-TestFixture $script:fixture }
        }
    }

    It 'the mission line with -WhatIf names the idle session and touches nothing; with -Force it logs off exactly that one' {
        $idle = Open-Session $script:Users[0]
        $busy = Open-Session $script:Users[1]
        $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.setIdle' -Arguments @{ leaderPid = $idle.LeaderPid; minutes = 45 }
        # The session's id as the module shows it (the fixture's SessionId where it gives one).
        $idleId = if ($null -ne $idle.SessionId) { $idle.SessionId } else { $idle.LeaderPid }

        $whatIf = Invoke-Installed "Import-Module SessionTools -ErrorAction Stop; Get-UserSession | Where Idle -gt 30m | Stop-UserSession -WhatIf"
        $whatIf.ExitCode | Should -Be 0 -Because $whatIf.Stderr
        $whatIf.Stdout | Should -BeLike "*What if: Performing the operation ""Log off"" on target ""session $idleId ($($idle.User) on $($idle.Tty)) on *"
        $whatIf.Stdout | Should -Not -BeLike "*$($busy.User)*"
        Test-Alive $idle | Should -BeTrue
        Test-Alive $busy | Should -BeTrue

        $run = Invoke-Installed "Import-Module SessionTools -ErrorAction Stop; Get-UserSession | Where Idle -gt 30m | Stop-UserSession -Force -Wait -PassThru -ErrorAction Stop | ForEach-Object SessionId | ConvertTo-Json -Compress"
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        (Read-Json $run) | Should -Be $idleId
        Wait-Until { -not (Test-Alive $idle) } -TimeoutMs 15000 | Should -BeTrue
        Test-Alive $busy | Should -BeTrue
    }
}
