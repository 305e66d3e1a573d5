using System;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Threading;

namespace SessionTools.Pwsh;

/// <summary>
/// Runs pipelines in the host's runspace the way pwsh's ConsoleHost Executor does:
/// a command typed or given with -Command runs as a script with its error stream merged into its
/// output, followed by Out-Default (so format files apply and errors are shown by the formatter);
/// with -OutputFormat XML there is no Out-Default and the objects are serialized instead.
/// Only one pipeline runs at a time; Ctrl+C stops it through <see cref="StopCurrent"/>.
/// </summary>
internal sealed class Executor
{
    [Flags]
    public enum Options { None = 0, AddOutputter = 1, AddToHistory = 2, ReadInputObjects = 4 }

    // Out-Default must be created with "mergeUnclaimedPreviousErrorResults" as ConsoleHost does; that
    // Command constructor and Command.IsEndOfStatement are internal to the engine.
    private static readonly ConstructorInfo s_commandCtor = typeof(Command).GetConstructor(
        BindingFlags.Instance | BindingFlags.NonPublic, null,
        new[] { typeof(string), typeof(bool), typeof(bool?), typeof(bool) }, null)!;
    private static readonly PropertyInfo s_isEndOfStatement = typeof(Command).GetProperty(
        "IsEndOfStatement", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)!;

    private static readonly object s_currentLock = new();
    private static Pipeline? s_current;

    private readonly PwshHost _host;

    public Executor(PwshHost host) => _host = host;

    /// <summary>Stops the running pipeline, if any (Ctrl+C). Returns whether there was one.</summary>
    public static bool StopCurrent()
    {
        Pipeline? p;
        lock (s_currentLock) p = s_current;
        if (p == null) return false;
        try { p.StopAsync(); } catch (Exception) { /* already finished */ }
        return true;
    }

    private static void SetCurrent(Pipeline? p)
    {
        lock (s_currentLock) s_current = p;
    }

    private static Command OutDefault(bool endOfStatement)
    {
        var c = (Command)s_commandCtor.Invoke(new object?[] { "Out-Default", false, (bool?)true, true });
        s_isEndOfStatement.SetValue(c, endOfStatement);
        return c;
    }

    public Pipeline CreatePipeline() => _host.Runspace.CreatePipeline();

    public Pipeline CreatePipeline(string command, bool addToHistory) => _host.Runspace.CreatePipeline(command, addToHistory);

    /// <summary>Runs the pipeline synchronously (pwsh's ExecuteCommandHelper).</summary>
    public Collection<PSObject>? ExecuteHelper(Pipeline p, out Exception? exception, Options options)
    {
        exception = null;
        if ((options & Options.AddOutputter) != 0)
        {
            if (p.Commands.Count < 2)
            {
                if (p.Commands.Count == 1)
                    p.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
                p.Commands.Add(OutDefault(endOfStatement: false));
            }
            else
            {
                // Several statements: each end of statement goes to its own Out-Default.
                var commands = new System.Collections.Generic.List<Command>();
                foreach (Command c in p.Commands)
                {
                    commands.Add(c);
                    if ((bool)s_isEndOfStatement.GetValue(c)!)
                    {
                        s_isEndOfStatement.SetValue(c, false);
                        commands.Add(OutDefault(endOfStatement: true));
                    }
                }
                if (!string.Equals(commands[^1].CommandText, "Out-Default", StringComparison.OrdinalIgnoreCase))
                    commands.Add(OutDefault(endOfStatement: false));
                p.Commands.Clear();
                foreach (var c in commands) p.Commands.Add(c);
            }
        }

        SetCurrent(p);
        try
        {
            return p.Invoke();
        }
        catch (Exception e)
        {
            exception = e;
            return null;
        }
        finally
        {
            _host.Ui.ResetProgress();
            SetCurrent(null);
        }
    }

    public Collection<PSObject>? Execute(string command, out Exception? exception, Options options) =>
        ExecuteHelper(CreatePipeline(command, (options & Options.AddToHistory) != 0), out exception, options);

    /// <summary>
    /// Runs the pipeline asynchronously, streaming output/errors to the serializers as they come
    /// (pwsh's ExecuteCommandAsyncHelper, used when not interactive and stdin is redirected or
    /// -OutputFormat is XML).
    /// </summary>
    public void ExecuteAsyncHelper(Pipeline p, out Exception? exception, Options options)
    {
        exception = null;
        SetCurrent(p);
        try
        {
            if ((options & Options.AddOutputter) != 0 && _host.OutputFormat == DataFormat.Text)
            {
                if (p.Commands.Count == 1)
                    p.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
                p.Commands.Add(new Command("Out-Default", false, true));
            }

            p.Output.DataReady += (sender, _) =>
            {
                foreach (PSObject o in ((PipelineReader<PSObject>)sender!).NonBlockingRead())
                    _host.OutputSerializer.Serialize(o);
            };
            p.Error.DataReady += (sender, _) =>
            {
                foreach (object o in ((PipelineReader<object>)sender!).NonBlockingRead())
                    _host.ErrorSerializer.Serialize(o);
            };
            using var finished = new ManualResetEventSlim(false);
            p.StateChanged += (_, e) =>
            {
                var s = e.PipelineStateInfo.State;
                if (s == PipelineState.Completed || s == PipelineState.Failed || s == PipelineState.Stopped)
                    finished.Set();
            };

            if ((options & Options.ReadInputObjects) == 0) p.Input.Close();
            p.InvokeAsync();
            if ((options & Options.ReadInputObjects) != 0 && Console.IsInputRedirected)
            {
                // The command uses $input: feed it the lines of stdin (pwsh's Text input format).
                string? line;
                while ((line = _host.ConsoleIn.ReadLine()) != null)
                {
                    try { p.Input.Write(line); }
                    catch (PipelineClosedException) { break; }
                }
            }
            p.Input.Close();
            finished.Wait();

            var info = p.PipelineStateInfo;
            if (info.State == PipelineState.Failed && info.Reason != null)
            {
                if (_host.OutputFormat == DataFormat.Text)
                {
                    exception = info.Reason;
                }
                else
                {
                    ErrorRecord? er = null;
                    if (info.Reason is IContainsErrorRecord cer) er = new ErrorRecord(cer.ErrorRecord, info.Reason);
                    er ??= new ErrorRecord(info.Reason, "ConsoleHostAsyncPipelineFailure", ErrorCategory.NotSpecified, null);
                    _host.ErrorSerializer.Serialize(er);
                }
            }
        }
        catch (Exception e)
        {
            exception = e;
        }
        finally
        {
            _host.Ui.ResetProgress();
            SetCurrent(null);
        }
    }

    public void ExecuteAsync(string command, out Exception? exception, Options options) =>
        ExecuteAsyncHelper(CreatePipeline(command, (options & Options.AddToHistory) != 0), out exception, options);

    /// <summary>Runs the pipeline the way the host runs everything right now (sync or async).</summary>
    public void Run(Pipeline p, out Exception? exception, Options options)
    {
        if (_host.IsRunningAsync) ExecuteAsyncHelper(p, out exception, options);
        else ExecuteHelper(p, out exception, options);
    }

    public bool? ExecuteAndGetResultAsBool(string command)
    {
        var results = Execute(command, out Exception? e, Options.None);
        if (e != null || results == null || results.Count == 0) return null;
        return results.Count > 1 || LanguagePrimitives.IsTrue(results[0]);
    }

    public string? ExecuteAndGetResultAsString(string command)
    {
        var results = Execute(command, out Exception? e, Options.None);
        if (e != null || results == null || results.Count == 0) return null;
        if (results[0] == null) return string.Empty;
        return results[0].BaseObject.ToString();
    }

    /// <summary>pwsh's AstSearcher.IsUsingDollarInput: does the script read $input?</summary>
    public static bool UsesDollarInput(Ast ast) =>
        ast.Find(a => a is VariableExpressionAst v && string.Equals(v.VariablePath.UserPath, "input", StringComparison.OrdinalIgnoreCase), true) != null;
}
