# Text crosses the wire intact, both ways, through the real helper: user names with a backslash,
# double and single quotes, control characters and characters outside the BMP are listed as
# recorded, found when asked for by name (the runtime's JSON writer), and named intact in the
# errors about them; a -ComputerName with a quote is named intact in its error.

BeforeDiscovery {
    $smiley = [char]::ConvertFromUtf32(0x1F600)
    $names = @(
        'CORP\x'
        'say"hi"'
        "o'neil"
        "t`tab$([char] 1)$([char] 0x1F)"
        "x$smiley$([char]::ConvertFromUtf32(0x1D518))"
        "q\`"'$smiley"
    )
    $byName = for ($i = 0; $i -lt $names.Count; $i++) { @{ Name = $names[$i]; Index = $i; Shown = $names[$i] -replace '[\x00-\x1f]', '?' } }
}

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
    # A request the helper cannot read gets no answer with its id: fail in seconds, not 30.
    $env:SESSIONTOOLS_RPC_TIMEOUT_SECONDS = '5'
}

AfterAll { Stop-UtmpSessions }

Describe 'user names on the wire' -ForEach @{ Names = $names; ByName = $byName } {
    BeforeAll { $script:Leaders = New-UtmpSession $Names }
    AfterAll { Stop-UtmpLeader }

    It 'lists each name as recorded' {
        $listed = @(Get-UserSession)
        $listed.UserName | Should -BeExactly $Names
        $listed.SessionId | Should -Be $script:Leaders
    }

    It 'finds the session of <Shown> when asked for it by name' -ForEach $ByName {
        $found = @(Get-UserSession -UserName $Name -ErrorVariable ev)
        $ev | Should -BeNullOrEmpty
        $found.Count | Should -Be 1
        $found[0].UserName | Should -BeExactly $Name
        $found[0].SessionId | Should -Be $script:Leaders[$Index]
    }

    It 'finds them all when asked for all of them at once' {
        @(Get-UserSession -UserName $Names).SessionId | Should -Be $script:Leaders
    }

    It 'names users that are not logged on intact, in the error and as its target' {
        $absent = $Names | ForEach-Object { "$_-gone" }
        $null = Get-UserSession -UserName $absent -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be $absent.Count
        for ($i = 0; $i -lt $absent.Count; $i++) {
            $ev[$i].FullyQualifiedErrorId | Should -BeExactly 'UserNotFound,Get-UserSession'
            $ev[$i].TargetObject | Should -BeExactly $absent[$i]
            $ev[$i].Exception.Message | Should -BeExactly "No session of user '$($absent[$i])' on $([System.Net.Dns]::GetHostName())."
        }
    }
}

Describe 'computer names on the wire' {
    It 'a -ComputerName with <What> is its own error, naming it intact; the helper is kept' -ForEach @(
        @{ What = 'a double quote'; Name = 'ho"st' }
        @{ What = 'a backslash and a double quote'; Name = 'CORP\ho"st' }
        @{ What = 'a single quote'; Name = "o'host" }
    ) {
        $null = New-UtmpSession 'st-ann'
        $null = Get-UserSession
        $helper = (Get-HelperState).Pid
        $caught = try { Get-UserSession -ComputerName 'localhost', $Name -ErrorAction Stop; $null } catch { $_ }
        $caught.FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,Get-UserSession'
        [string] $caught.CategoryInfo.Category | Should -BeExactly 'InvalidArgument'
        $caught.Exception.Message | Should -BeLike "Cannot ask '$([System.Management.Automation.WildcardPattern]::Escape($Name))': it is not a computer name *"
        $caught.TargetObject | Should -BeExactly $Name
        (Get-HelperState).Pid | Should -Be $helper
        @(Get-UserSession).UserName | Should -BeExactly 'st-ann'
        Stop-UtmpLeader
    }

    It 'Stop-UserSession -ComputerName with a single quote is refused by name, intact, and acts on nobody' {
        $leader = New-UtmpSession 'st-ann'
        $caught = try { Stop-UserSession -Id $leader[0] -ComputerName "o'host" -Force -ErrorAction Stop; $null } catch { $_ }
        $caught.FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,Stop-UserSession'
        $caught.Exception.Message | Should -BeLike "*""Targets"" must hold only *it holds {""SessionId"":$($leader[0]),""ComputerName"":""o'host""}"
        Test-ProcessGone $leader[0] | Should -BeFalse
        Stop-UtmpLeader
    }
}
