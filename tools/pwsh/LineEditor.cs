using System;
using System.Collections.Generic;
using System.Text;

namespace SessionTools.Pwsh;

/// <summary>
/// A small line editor for a terminal: Left/Right, Home/End (and Ctrl+A/Ctrl+E), Backspace/Delete,
/// Up/Down through the session's history, Ctrl+U to clear. Ctrl+C cancels the line (returns null,
/// interrupted); Ctrl+D on an empty line is end of input (returns null, eof). The caller has
/// written the prompt; the cursor is assumed to stay on one terminal row.
/// </summary>
internal sealed class LineEditor
{
    private readonly List<string> _history = new();
    private readonly object _readLock = new();

    public void AddHistory(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        if (_history.Count > 0 && _history[^1] == line) return;
        _history.Add(line);
    }

    public string? ReadLine(char? mask, bool useHistory, out bool interrupted, out bool eof)
    {
        lock (_readLock)
        {
            bool oldTreat = false;
            try { oldTreat = Console.TreatControlCAsInput; Console.TreatControlCAsInput = true; }
            catch (Exception) { /* not a terminal */ }
            try
            {
                return ReadLineCore(mask, useHistory, out interrupted, out eof);
            }
            finally
            {
                try { Console.TreatControlCAsInput = oldTreat; } catch (Exception) { }
            }
        }
    }

    private string? ReadLineCore(char? mask, bool useHistory, out bool interrupted, out bool eof)
    {
        interrupted = false;
        eof = false;
        var buf = new StringBuilder();
        int pos = 0;
        int histIndex = _history.Count;
        string pending = string.Empty; // the line being typed, kept while browsing history
        var output = Console.Out;

        string Shown(string s) => mask.HasValue ? new string(mask.Value, s.Length) : s;

        void MoveLeft(int n) { if (n > 0) output.Write($"\x1b[{n}D"); }
        void MoveRight(int n) { if (n > 0) output.Write($"\x1b[{n}C"); }

        void ReplaceAll(string text)
        {
            MoveLeft(pos);
            buf.Clear().Append(text);
            pos = buf.Length;
            output.Write(Shown(text));
            output.Write("\x1b[K");
        }

        while (true)
        {
            output.Flush();
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            bool ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;

            if (key.Key == ConsoleKey.Enter || key.KeyChar == '\r' || key.KeyChar == '\n')
            {
                MoveRight(buf.Length - pos);
                output.WriteLine();
                return buf.ToString();
            }
            if ((ctrl && key.Key == ConsoleKey.C) || key.KeyChar == '\x03')
            {
                MoveRight(buf.Length - pos);
                interrupted = true;
                return null;
            }
            if ((ctrl && key.Key == ConsoleKey.D) || key.KeyChar == '\x04')
            {
                if (buf.Length == 0) { eof = true; return null; }
                if (pos < buf.Length) { buf.Remove(pos, 1); Redraw(); }
                continue;
            }
            switch (key.Key)
            {
                case ConsoleKey.LeftArrow:
                    if (pos > 0) { pos--; MoveLeft(1); }
                    continue;
                case ConsoleKey.RightArrow:
                    if (pos < buf.Length) { pos++; MoveRight(1); }
                    continue;
                case ConsoleKey.Home:
                    MoveLeft(pos); pos = 0;
                    continue;
                case ConsoleKey.End:
                    MoveRight(buf.Length - pos); pos = buf.Length;
                    continue;
                case ConsoleKey.Backspace:
                    if (pos > 0) { pos--; MoveLeft(1); buf.Remove(pos, 1); Redraw(); }
                    continue;
                case ConsoleKey.Delete:
                    if (pos < buf.Length) { buf.Remove(pos, 1); Redraw(); }
                    continue;
                case ConsoleKey.UpArrow:
                    if (useHistory && histIndex > 0)
                    {
                        if (histIndex == _history.Count) pending = buf.ToString();
                        histIndex--;
                        ReplaceAll(_history[histIndex]);
                    }
                    continue;
                case ConsoleKey.DownArrow:
                    if (useHistory && histIndex < _history.Count)
                    {
                        histIndex++;
                        ReplaceAll(histIndex == _history.Count ? pending : _history[histIndex]);
                    }
                    continue;
            }
            if (ctrl && key.Key == ConsoleKey.A) { MoveLeft(pos); pos = 0; continue; }
            if (ctrl && key.Key == ConsoleKey.E) { MoveRight(buf.Length - pos); pos = buf.Length; continue; }
            if (ctrl && key.Key == ConsoleKey.U) { ReplaceAll(string.Empty); continue; }

            char c = key.KeyChar;
            if (c == '\t') c = ' ';
            if (c == '\b' || c == '\x7f')
            {
                if (pos > 0) { pos--; MoveLeft(1); buf.Remove(pos, 1); Redraw(); }
                continue;
            }
            if (char.IsControl(c) || c == '\0') continue;
            buf.Insert(pos, c);
            pos++;
            output.Write(Shown(c.ToString()));
            if (pos < buf.Length) Redraw();
        }

        // Rewrites from the cursor to the end of the line and puts the cursor back.
        void Redraw()
        {
            string tail = buf.ToString(pos, buf.Length - pos);
            output.Write(Shown(tail));
            output.Write("\x1b[K");
            MoveLeft(tail.Length);
        }
    }
}
