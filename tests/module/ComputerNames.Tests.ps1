# A -ComputerName that passes the cmdlet but names no possible computer (300 characters, a
# trailing space, a non-ASCII letter, a UNC path) is that name's own InvalidArgument error; the
# other computers are answered and the same helper serves on (issue 10, finding 3). On Linux,
# against real leaders in a utmp file (localhost is this computer); on Windows' API, against the
# wtsapi32 double (servers '.' and srv1). Only a name over 1024 characters is refused by the cmdlet.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
    $script:Bad = @(('a' * 300), 'localhost ', "h$([char] 0xF4)st", '\\srv2\c$')

    # The errors of a call, checked: one InvalidArgument per bad name, in the order named, each
    # naming it as its target.
    function Assert-BadNameErrors([object[]] $Records) {
        $Records.Count | Should -Be $script:Bad.Count
        for ($i = 0; $i -lt $script:Bad.Count; $i++) {
            $Records[$i].FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,Get-UserSession'
            [string] $Records[$i].CategoryInfo.Category | Should -BeExactly 'InvalidArgument'
            $Records[$i].TargetObject | Should -BeExactly $script:Bad[$i]
            $Records[$i].Exception.Message | Should -BeLike 'Cannot ask *: it is not a computer name (a host name, an FQDN or an address: *'
        }
    }
}

AfterAll { Stop-UtmpSessions }

Describe 'bad computer names among good ones, on Linux' {
    AfterEach { Stop-UtmpLeader }

    It 'localhost is answered; each bad name is its own InvalidArgument error; the helper lives on' {
        $null = New-UtmpSession 'st-ann', 'st-bob'
        $null = Get-UserSession
        $helper = (Get-HelperState).Pid
        $found = @(Get-UserSession -ComputerName $script:Bad[0], 'localhost', $script:Bad[1], $script:Bad[2], $script:Bad[3] -ErrorVariable ev -ErrorAction SilentlyContinue)
        $found.UserName | Should -BeExactly 'st-ann', 'st-bob'
        Assert-BadNameErrors $ev
        (Get-HelperState).Pid | Should -Be $helper
        (Get-HelperState).Exited | Should -BeFalse
        @(Get-UserSession).UserName | Should -BeExactly 'st-ann', 'st-bob'
    }

    It 'the same names from servers.txt through the pipeline' {
        $null = New-UtmpSession 'st-ann'
        $found = @(@('localhost') + $script:Bad | Get-UserSession -ErrorVariable ev -ErrorAction SilentlyContinue)
        $found.UserName | Should -BeExactly 'st-ann'
        Assert-BadNameErrors $ev
    }

    It 'a name over 1024 characters is refused by the cmdlet, with a message' {
        $null = New-UtmpSession 'st-ann'
        $caught = try { Get-UserSession -ComputerName localhost, ('h' * 1025) -ErrorAction Stop; $null } catch { $_ }
        $caught.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentValidationError,Get-UserSession'
        $caught.Exception.Message | Should -BeLike "*'ComputerName'*too long*1024*"
    }
}

Describe 'bad computer names among good ones, against wtsapi32 (the double)' {
    BeforeAll {
        $script:SavedWts = @{}
        foreach ($name in 'SESSIONTOOLS_WTSAPI_PATH', 'WTSDOUBLE_FIXTURE', 'WTSDOUBLE_LOG') { $script:SavedWts[$name] = [Environment]::GetEnvironmentVariable($name) }
        $dir = Invoke-TestFixture -Fixture $script:Fixture -Op 'dir'
        $kind = if ($IsWindows) { 'windows' } else { 'linux' }
        $env:SESSIONTOOLS_WTSAPI_PATH = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.build' -Arguments @{ kind = $kind }
        $env:WTSDOUBLE_FIXTURE = [System.IO.Path]::Combine($dir, 'names-fixture')
        $env:WTSDOUBLE_LOG = [System.IO.Path]::Combine($dir, 'names-log')
        $servers = @(
            @{ name = '.'; sessions = @(@{ id = 1; state = 'Active'; winStation = 'Console'; user = 'admin'; domain = 'CONTOSO' }) }
            @{ name = 'srv1'; sessions = @(@{ id = 2; state = 'Disconnected'; winStation = ''; user = 'jdoe'; domain = 'CONTOSO' }) }
        )
        $null = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.fixture' -Arguments @{ path = $env:WTSDOUBLE_FIXTURE; servers = $servers }
        Remove-Module SessionTools -ErrorAction Ignore
        Import-Module (Get-TestModulePath) -Force -ErrorAction Stop
    }
    AfterAll {
        Remove-Module SessionTools -ErrorAction Ignore
        foreach ($name in $script:SavedWts.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedWts[$name]) }
    }

    It 'this computer and srv1 are answered; each bad name is its own error; the helper lives on; no bad name reaches wtsapi32' {
        $found = @(Get-UserSession -ComputerName 'localhost', $script:Bad[0], 'srv1', $script:Bad[1], $script:Bad[2], $script:Bad[3] -ErrorVariable ev -ErrorAction SilentlyContinue)
        $helper = (Get-HelperState).Pid
        @($found | ForEach-Object { '{0}:{1}' -f $_.SessionId, $_.UserName }) | Should -BeExactly '1:admin', '2:jdoe'
        Assert-BadNameErrors $ev
        $opened = @(Invoke-TestFixture -Fixture $script:Fixture -Op 'double.log' -Arguments @{ path = $env:WTSDOUBLE_LOG } | Where-Object { $_.fn -eq 'WTSOpenServerExW' } | ForEach-Object server)
        $opened | Sort-Object -Unique | Should -BeExactly 'srv1'
        @(Get-UserSession -ComputerName srv1).UserName | Should -BeExactly 'jdoe'
        (Get-HelperState).Pid | Should -Be $helper
    }
}
