using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Text;

namespace SessionTools.Pwsh;

/// <summary>
/// PromptForChoice as pwsh's ConsoleHostUserInterfacePromptForChoice.cs shows it (used by
/// ShouldProcess/ShouldContinue confirmations):
/// <code>
/// Confirm
/// Are you sure you want to perform this action?
/// Performing the operation "X" on target "Y".
/// [Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is "Y"):
/// </code>
/// Enter picks the default, "?" lists the help of each choice, anything else that is neither a label
/// nor a hotkey asks again. Ctrl+C cancels the prompt with pwsh's PromptingException.
/// </summary>
internal sealed partial class HostUserInterface
{
    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
    {
        HandleThrowOnReadAndPrompt();
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Count == 0) throw new ArgumentException("choices cannot be an empty collection.", nameof(choices));
        if (defaultChoice < -1 || defaultChoice >= choices.Count)
            throw new ArgumentOutOfRangeException(nameof(defaultChoice), defaultChoice, "defaultChoice must be a valid index into choices or -1 for no default choice.");

        lock (_lock)
        {
            WriteCaptionAndMessage(caption, message);
            string[,] labels = BuildHotkeysAndPlainLabels(choices);
            var defaults = new List<int>();
            if (defaultChoice >= 0) defaults.Add(defaultChoice);

            while (true)
            {
                WriteChoicePrompt(labels, defaults, multiple: false);
                string response = ReadChoiceResponse();
                if (response.Length == 0)
                {
                    if (defaultChoice >= 0) return defaultChoice;
                    continue;
                }
                if (response.Trim() == "?")
                {
                    ShowChoiceHelp(choices, labels);
                    continue;
                }
                int picked = DetermineChoicePicked(response.Trim(), choices, labels);
                if (picked >= 0) return picked;
            }
        }
    }

    public Collection<int> PromptForChoice(string? caption, string? message, Collection<ChoiceDescription> choices, IEnumerable<int>? defaultChoices)
    {
        HandleThrowOnReadAndPrompt();
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Count == 0) throw new ArgumentException("choices cannot be an empty collection.", nameof(choices));
        var defaults = new List<int>();
        if (defaultChoices != null)
        {
            foreach (int d in defaultChoices)
            {
                if (d < 0 || d >= choices.Count) throw new ArgumentOutOfRangeException(nameof(defaultChoices), d, "A default choice is not a valid index into choices.");
                if (!defaults.Contains(d)) defaults.Add(d);
            }
        }

        var result = new Collection<int>();
        lock (_lock)
        {
            WriteCaptionAndMessage(caption, message);
            string[,] labels = BuildHotkeysAndPlainLabels(choices);
            WriteChoicePrompt(labels, defaults, multiple: true);
            if (defaults.Count > 0) WriteToConsole(string.Empty, newLine: true);
            while (true)
            {
                WriteToConsole(Wrap($"Choice[{result.Count}]: "), fg: PromptColor);
                string response = ReadChoiceResponse();
                if (response.Length == 0)
                {
                    if (result.Count == 0) foreach (int d in defaults) result.Add(d);
                    break;
                }
                if (response.Trim() == "?")
                {
                    ShowChoiceHelp(choices, labels);
                    continue;
                }
                int picked = DetermineChoicePicked(response.Trim(), choices, labels);
                if (picked >= 0) result.Add(picked);
            }
        }
        return result;
    }

    private string ReadChoiceResponse()
    {
        string? response = ReadFromStdin
            ? ReadLineFromFile()
            : Editor.ReadLine(null, useHistory: false, out _, out _);
        if (response == null)
        {
            // Ctrl+C (or end of input): pwsh's PromptForChoiceCanceled.
            throw new PromptingException("The prompt was canceled.", null, "PromptForChoiceCanceled", ErrorCategory.OperationStopped);
        }
        return response;
    }

    private void WriteChoicePrompt(string[,] labels, List<int> defaults, bool multiple)
    {
        int lineLenMax = _rawUI.WindowSize.Width - 1;
        int lineLen = 0;
        for (int i = 0; i < labels.GetLength(1); i++)
        {
            string choice = string.Format(CultureInfo.InvariantCulture, "[{0}] {1}  ", labels[0, i], labels[1, i]);
            WriteChoiceHelper(choice, defaults.Contains(i) ? DefaultPromptColor : PromptColor, ref lineLen, lineLenMax);
            if (multiple) WriteToConsole(string.Empty, newLine: true);
        }
        WriteChoiceHelper("[?] Help ", null, ref lineLen, lineLenMax);
        if (multiple) WriteToConsole(string.Empty, newLine: true);

        string defaultPrompt = string.Empty;
        if (defaults.Count > 0)
        {
            var sb = new StringBuilder();
            foreach (int d in defaults)
            {
                if (sb.Length > 0) sb.Append(',');
                sb.Append(string.IsNullOrEmpty(labels[0, d]) ? labels[1, d] : labels[0, d]);
            }
            defaultPrompt = defaults.Count == 1
                ? (multiple ? $"(default is \"{sb}\")" : $"(default is \"{sb}\"): ")
                : $"(default choices are {sb})";
        }
        WriteChoiceHelper(defaultPrompt, null, ref lineLen, lineLenMax);
    }

    // Wraps before an item that would pass the last column, trimming its trailing blanks then.
    private void WriteChoiceHelper(string text, ConsoleColor? fg, ref int lineLen, int lineLenMax)
    {
        int len = _rawUI.LengthInBufferCells(text);
        bool trimEnd = false;
        if (lineLen + len > lineLenMax)
        {
            WriteToConsole(string.Empty, newLine: true);
            trimEnd = true;
            lineLen = len;
        }
        else
        {
            lineLen += len;
        }
        WriteToConsole(trimEnd ? text.TrimEnd() : text, fg: fg);
    }

    private void ShowChoiceHelp(Collection<ChoiceDescription> choices, string[,] labels)
    {
        for (int i = 0; i < choices.Count; i++)
        {
            string key = labels[0, i].Length > 0 ? labels[0, i] : labels[1, i];
            WriteToConsole(Wrap($"{key} - {choices[i].HelpMessage}"), newLine: true);
        }
    }

    /// <summary>Row 0: the hotkey (letter after '&amp;', upper case); row 1: the label without '&amp;'.</summary>
    private static string[,] BuildHotkeysAndPlainLabels(Collection<ChoiceDescription> choices)
    {
        var result = new string[2, choices.Count];
        for (int i = 0; i < choices.Count; i++)
        {
            string label = choices[i].Label;
            result[0, i] = string.Empty;
            int amp = label.IndexOf('&');
            if (amp >= 0)
            {
                var plain = new StringBuilder(label.Substring(0, amp));
                if (amp + 1 < label.Length)
                {
                    plain.Append(label.AsSpan(amp + 1));
                    result[0, i] = CultureInfo.CurrentCulture.TextInfo.ToUpper(label.Substring(amp + 1, 1).Trim());
                }
                result[1, i] = plain.ToString().Trim();
            }
            else
            {
                result[1, i] = label;
            }
            if (result[0, i] == "?")
                throw new ArgumentException("Cannot process the hot key because a question mark (\"?\") cannot be used as a hot key.", $"choices[{i}].Label");
        }
        return result;
    }

    /// <summary>Full labels first, then hotkeys, case-insensitive; -1 when nothing matches.</summary>
    private static int DetermineChoicePicked(string response, Collection<ChoiceDescription> choices, string[,] labels)
    {
        for (int i = 0; i < choices.Count; i++)
            if (string.Equals(response, labels[1, i], StringComparison.CurrentCultureIgnoreCase)) return i;
        for (int i = 0; i < choices.Count; i++)
            if (labels[0, i].Length > 0 && string.Equals(response, labels[0, i], StringComparison.CurrentCultureIgnoreCase)) return i;
        return -1;
    }
}
