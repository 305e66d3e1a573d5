# The helper process behind the cmdlets: started on first use and reused, replaced when it died or
# stopped answering, stopped with the module, and never outliving the PowerShell that started it.
# Against real leaders recorded in a utmp file, through the real helper.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
}

AfterAll { Stop-UtmpSessions }

Describe 'the helper process' {
    AfterEach {
        $env:SESSIONTOOLS_RPC_TIMEOUT_SECONDS = $null
        Stop-UtmpLeader
    }

    It 'starts on first use, not on import, and is reused for later calls' {
        $null = New-UtmpSession 'st-ann'
        Get-HelperState | Should -Be $null
        $null = Get-UserSession
        $first = (Get-HelperState).Pid
        $null = Get-UserSession
        (Get-HelperState).Pid | Should -Be $first
        $first | Should -BeGreaterThan 0
        (Get-Process -Id $first).CommandLine | Should -BeLike "*$([System.IO.Path]::Combine((Split-Path (Get-TestModulePath)), 'bin', 'helper.mjs'))*"
    }

    It 'a helper killed between two calls is replaced; the second call works' {
        $null = New-UtmpSession 'st-ann'
        $null = Get-UserSession
        $old = (Get-HelperState).Pid
        [System.Diagnostics.Process]::GetProcessById($old).Kill()
        @(Get-UserSession).Count | Should -Be 1
        (Get-HelperState).Pid | Should -Not -Be $old
        Wait-Until { Test-ProcessGone $old } | Should -BeTrue
    }

    It 'a helper that stops answering is a HelperTimeout after the timeout, and is replaced' {
        $null = New-UtmpSession 'st-ann'
        $env:SESSIONTOOLS_RPC_TIMEOUT_SECONDS = '2'
        $null = Get-UserSession
        $old = (Get-HelperState).Pid
        $kill = [System.Diagnostics.Process]::Start('/bin/kill', "-STOP $old")
        $kill.WaitForExit()
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $caught = try { Get-UserSession -ErrorAction Stop } catch { $_ }
        $ms = $watch.ElapsedMilliseconds
        $caught.FullyQualifiedErrorId | Should -BeExactly 'HelperTimeout,Get-UserSession'
        [string] $caught.CategoryInfo.Category | Should -BeExactly 'OperationTimeout'
        $ms | Should -BeGreaterOrEqual 1900
        $ms | Should -BeLessThan 6000
        # The stopped helper was killed, not left behind.
        Wait-Until { Test-ProcessGone $old } | Should -BeTrue
        @(Get-UserSession).Count | Should -Be 1
        (Get-HelperState).Pid | Should -Not -Be $old
    }

    It 'Remove-Module stops the helper' {
        $null = New-UtmpSession 'st-ann'
        $null = Get-UserSession
        $p = [System.Diagnostics.Process]::GetProcessById((Get-HelperState).Pid)
        Remove-Module SessionTools
        $p.WaitForExit(3000) | Should -BeTrue
    }

    It 'exits with PowerShell: no helper outlives the PowerShell that started it' {
        $null = New-UtmpSession 'st-ann'
        $run = Invoke-ModulePwsh '$null = Get-UserSession; [SessionTools.Rpc.HelperClient]::Instances[-1].ProcessId'
        $run.ExitCode | Should -Be 0
        $helper = [int] $run.Stdout.Trim()
        $helper | Should -BeGreaterThan 0
        Wait-Until { Test-ProcessGone $helper } -TimeoutMs 5000 | Should -BeTrue
    }
}
