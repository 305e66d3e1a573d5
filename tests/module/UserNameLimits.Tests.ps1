# -UserName values the helper cannot use are refused with a message, and the helper lives on
# (issue 10, finding 10): a name over 256 characters (a 7 MB one included) is refused by the cmdlet
# itself, before the helper hears of it; an invalid wildcard ('[a-', as PowerShell's own -like
# refuses it) is an InvalidArgument error, not "matches nothing". Real helper, real leaders.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
}

AfterAll { Stop-UtmpSessions }

Describe '-UserName limits' {
    AfterEach { Stop-UtmpLeader }

    It 'a -UserName of <What> is refused at the cmdlet with a short message; no request is sent' -ForEach @(
        @{ What = '257 characters'; Length = 257 }
        @{ What = '7 MB'; Length = 7MB }
    ) {
        $null = New-UtmpSession 'st-ann'
        $null = Get-UserSession
        $before = Get-HelperState
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $caught = try { Get-UserSession -UserName ('a' * $Length) -ErrorAction Stop; $null } catch { $_ }
        $watch.ElapsedMilliseconds | Should -BeLessThan 2000
        $caught.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentValidationError,Get-UserSession'
        [string] $caught.CategoryInfo.Category | Should -BeExactly 'InvalidData'
        $caught.Exception.Message | Should -BeLike "*'UserName'*too long*256*"
        $caught.Exception.Message.Length | Should -BeLessThan 1000
        (Get-HelperState).NextId | Should -Be $before.NextId
        @(Get-UserSession).UserName | Should -BeExactly 'st-ann'
    }

    It 'a -UserName of 256 characters is a name like any other: ObjectNotFound' {
        $null = New-UtmpSession 'st-ann'
        $long = 'b' * 256
        $null = Get-UserSession -UserName $long -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'UserNotFound,Get-UserSession'
        $ev[0].TargetObject | Should -BeExactly $long
    }

    It 'an invalid wildcard <Pattern> is InvalidArgument naming it and why, not "matches nothing"; the helper is kept' -ForEach @(
        @{ Pattern = '[a-'; Why = 'the [ at character 1 has no closing ]' }
        @{ Pattern = 'st-[ab'; Why = 'the [ at character 4 has no closing ]' }
        @{ Pattern = '[]'; Why = 'the set [] at character 1 is empty' }
        @{ Pattern = '[z-a]'; Why = 'a range such as [z-a] runs backwards?' }
    ) {
        # PowerShell's own wildcards refuse the same patterns.
        { 'st-ann' -like $Pattern } | Should -Throw -ExceptionType ([System.Management.Automation.WildcardPatternException])
        $null = New-UtmpSession 'st-ann'
        $null = Get-UserSession
        $helper = (Get-HelperState).Pid
        $caught = try { Get-UserSession -UserName 'st-ann', $Pattern -ErrorAction Stop; $null } catch { $_ }
        $caught.FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,Get-UserSession'
        [string] $caught.CategoryInfo.Category | Should -BeExactly 'InvalidArgument'
        $caught.Exception.Message | Should -BeLike "*""UserName"" holds '$([System.Management.Automation.WildcardPattern]::Escape($Pattern))', which is not a valid wildcard pattern ($([System.Management.Automation.WildcardPattern]::Escape($Why)))*"
        (Get-HelperState).Pid | Should -Be $helper
        @(Get-UserSession -UserName 'st-[ab]*').UserName | Should -BeExactly 'st-ann'
    }
}
