using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text;

namespace SessionTools.Pwsh;

/// <summary>
/// Write-Progress on a terminal: one line on stderr per running activity (the newest last),
/// redrawn in place and erased when the pipeline ends. Only used when stdout and stderr are both
/// terminals; otherwise progress is silent (pwsh: no progress when stdout is redirected).
/// </summary>
internal sealed class ProgressView
{
    private readonly RawUserInterface _raw;
    private readonly List<(long Source, ProgressRecord Record)> _active = new();
    private int _linesShown;

    public ProgressView(RawUserInterface raw) => _raw = raw;

    public void Update(long sourceId, ProgressRecord record)
    {
        int index = _active.FindIndex(a => a.Source == sourceId && a.Record.ActivityId == record.ActivityId);
        if (record.RecordType == ProgressRecordType.Completed)
        {
            if (index >= 0) _active.RemoveAt(index);
        }
        else if (index >= 0) _active[index] = (sourceId, record);
        else _active.Add((sourceId, record));
        Hide();
        Show();
    }

    public void Reset()
    {
        Hide();
        _active.Clear();
    }

    /// <summary>Erases the progress lines (before other text is written).</summary>
    public void Hide()
    {
        if (_linesShown == 0) return;
        var sb = new StringBuilder();
        for (int i = 0; i < _linesShown; i++) sb.Append("\x1b[1A\x1b[2K");
        sb.Append('\r');
        Console.Error.Write(sb.ToString());
        _linesShown = 0;
    }

    /// <summary>Draws the progress lines again below the text.</summary>
    public void Show()
    {
        if (_active.Count == 0 || _linesShown > 0) return;
        int width = Math.Max(20, _raw.WindowSize.Width - 1);
        var sb = new StringBuilder();
        foreach (var (_, r) in _active)
        {
            string line = r.Activity + (string.IsNullOrEmpty(r.StatusDescription) ? "" : " - " + r.StatusDescription);
            if (r.PercentComplete >= 0)
            {
                const int bar = 20;
                int filled = Math.Clamp(r.PercentComplete, 0, 100) * bar / 100;
                line += $" [{new string('o', filled)}{new string(' ', bar - filled)}] {r.PercentComplete}%";
            }
            if (r.SecondsRemaining >= 0) line += $" ({r.SecondsRemaining}s left)";
            if (line.Length > width) line = line.Substring(0, width);
            sb.Append("\x1b[7m").Append(line).Append("\x1b[0m\n");
        }
        Console.Error.Write(sb.ToString());
        _linesShown = _active.Count;
    }
}
