using System;
using System.Management.Automation;
using System.Text;

namespace SessionTools.Pwsh;

/// <summary>
/// The prompt loop (pwsh's ConsoleHost.InputLoop.Run): shows the `prompt` function's text, reads a
/// line (from the terminal with the line editor, or from redirected stdin), runs it through
/// Out-Default and adds it to history. A line the parser finds incomplete starts block mode: more
/// lines are read with the ">> " prompt until an empty line, then the block runs. Ctrl+C at the
/// prompt drops the line; Ctrl+C while a command runs stops that command (see PwshHost).
/// </summary>
internal sealed class Repl
{
    private readonly PwshHost _host;
    private readonly Executor _exec;
    private readonly Executor _promptExec;

    public Repl(PwshHost host, Executor exec)
    {
        _host = host;
        _exec = exec;
        _promptExec = new Executor(host);
    }

    public void Run()
    {
        HostUserInterface ui = _host.Ui;
        bool inBlockMode = false;
        var inputBlock = new StringBuilder();

        if (_host.Options.ShowBanner && !_host.Options.NoLogo && !ui.ReadFromStdin)
        {
            ui.WriteLine($"PowerShell {PwshHost.EngineVersion}");
            ui.WriteLine();
        }

        while (!_host.ShouldEndSession)
        {
            try
            {
                _host.IsRunningPromptLoop = true;
                if (!ui.NoPrompt)
                {
                    ui.Write(inBlockMode ? ">> " : EvaluatePrompt());
                    Console.Out.Flush();
                }

                string? line;
                bool eof = false;
                if (ui.ReadFromStdin)
                {
                    line = ui.ReadLineFromFile();
                    eof = line == null;
                }
                else
                {
                    line = ui.Editor.ReadLine(null, useHistory: true, out _, out eof);
                }

                if (line == null)
                {
                    // Ctrl+C at the prompt drops the line; end of input (or Ctrl+D) ends the session.
                    if (!ui.ReadFromStdin) Console.Out.WriteLine();
                    inBlockMode = false;
                    if (eof || Console.IsInputRedirected)
                    {
                        _host.ShouldEndSession = true;
                        break;
                    }
                    continue;
                }

                if (string.IsNullOrWhiteSpace(line))
                {
                    if (!inBlockMode) continue;
                    line = inputBlock.ToString();
                    inBlockMode = false;
                }
                else if (inBlockMode)
                {
                    inputBlock.Append('\n').Append(line);
                    continue;
                }

                Exception? e;
                if (_host.IsRunningAsync)
                    _exec.ExecuteAsync(line, out e, Executor.Options.AddOutputter | Executor.Options.AddToHistory);
                else
                    _exec.Execute(line, out e, Executor.Options.AddOutputter | Executor.Options.AddToHistory);
                ui.ResetProgress();

                // Arrow-key history keeps complete one-line commands (the engine's Get-History has all).
                if (!ui.ReadFromStdin && e is not IncompleteParseException && !line.Contains('\n'))
                    ui.Editor.AddHistory(line);

                if (e != null)
                {
                    if (e is IncompleteParseException)
                    {
                        if (!inBlockMode)
                        {
                            inBlockMode = true;
                            inputBlock = new StringBuilder(line);
                        }
                        else
                        {
                            inputBlock.Append(line);
                        }
                    }
                    else
                    {
                        _host.ReportException(e, _exec);
                    }
                }
            }
            finally
            {
                _host.IsRunningPromptLoop = false;
            }
        }
    }

    private string EvaluatePrompt()
    {
        string? prompt = _promptExec.ExecuteAndGetResultAsString("prompt");
        return string.IsNullOrEmpty(prompt) ? "PS>" : prompt;
    }
}
