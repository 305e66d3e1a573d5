using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace SessionTools.Pwsh;

/// <summary>
/// The few engine members that pwsh's ConsoleHost uses but the engine does not make public
/// (ConsoleHost is compiled with InternalsVisibleTo). Reached by reflection; each throws a clear
/// error if a future engine renames it.
/// </summary>
internal static class EngineInternals
{
    private const BindingFlags Any = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;

    private static T Need<T>(T? member, string what) where T : class =>
        member ?? throw new MissingMemberException($"System.Management.Automation {PwshHost.EngineVersion} has no {what}.");

    /// <summary>ExecutionContext.ScriptCommandProcessorShouldRethrowExit (set by pwsh for -File).</summary>
    public static void SetRethrowExit(Runspace runspace, bool value)
    {
        var getContext = Need(runspace.GetType().GetProperty("GetExecutionContext", Any), "Runspace.GetExecutionContext");
        object context = getContext.GetValue(runspace)!;
        var prop = Need(context.GetType().GetProperty("ScriptCommandProcessorShouldRethrowExit", Any), "ExecutionContext.ScriptCommandProcessorShouldRethrowExit");
        prop.SetValue(context, value);
    }

    /// <summary>HostUtilities.GetFullProfileFileName(shellId, forCurrentUser): the profile paths of pwsh.</summary>
    public static string ProfilePath(string? shellId, bool forCurrentUser)
    {
        var m = Need(typeof(HostUtilities).GetMethod("GetFullProfileFileName", Any, null, new[] { typeof(string), typeof(bool) }, null), "HostUtilities.GetFullProfileFileName");
        return (string?)m.Invoke(null, new object?[] { shellId, forCurrentUser }) ?? string.Empty;
    }

    /// <summary>PSObject.WriteStream = WriteStreamType.Error: Out-Default then shows it as an error.</summary>
    public static void MarkAsErrorStream(PSObject o)
    {
        var prop = Need(typeof(PSObject).GetProperty("WriteStream", Any), "PSObject.WriteStream");
        prop.SetValue(o, Enum.Parse(prop.PropertyType, "Error"));
    }
}
