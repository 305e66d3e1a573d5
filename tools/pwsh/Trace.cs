using System;
using System.Diagnostics;

namespace SessionTools.Pwsh;

/// <summary>
/// Start-up timing written to stderr when SESSIONTOOLS_PWSH_TRACE=1 (used by bench/engine.ts to show
/// what dominates cold start). Times are milliseconds since the process started, as the OS saw it,
/// so the first mark includes the dotnet host's own start (hostfxr, runtime init, Main's JIT).
/// </summary>
internal static class Trace
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("SESSIONTOOLS_PWSH_TRACE") == "1";

    private static readonly DateTime s_processStart = GetProcessStart();
    private static readonly Stopwatch s_sinceMain = Stopwatch.StartNew();

    private static DateTime GetProcessStart()
    {
        try { return Process.GetCurrentProcess().StartTime.ToUniversalTime(); }
        catch { return DateTime.UtcNow; }
    }

    public static void Mark(string what)
    {
        if (!Enabled) return;
        double sinceStart = (DateTime.UtcNow - s_processStart).TotalMilliseconds;
        Console.Error.WriteLine($"[pwsh-trace] {sinceStart,8:F1} ms since process start, {s_sinceMain.Elapsed.TotalMilliseconds,8:F1} ms since Main: {what}");
    }
}
