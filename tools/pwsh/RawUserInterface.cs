using System;
using System.Management.Automation.Host;

namespace SessionTools.Pwsh;

/// <summary>
/// The raw console, as pwsh's managed (Unix) ConsoleHostRawUserInterface: sizes come from the
/// terminal, and when .NET reports 0 (redirected output, some pseudo-terminals) they are 80x40,
/// which is also the width the formatter then uses for tables.
/// </summary>
internal sealed class RawUserInterface : PSHostRawUserInterface
{
    private static readonly Size s_wrapSize = new(80, 40);
    private string _title = string.Empty;

    private static int Safe(Func<int> f)
    {
        try { return f(); } catch (Exception) { return 0; }
    }

    public override ConsoleColor BackgroundColor
    {
        get => Console.BackgroundColor;
        set => Console.BackgroundColor = value;
    }

    public override ConsoleColor ForegroundColor
    {
        get => Console.ForegroundColor;
        set => Console.ForegroundColor = value;
    }

    public override Size BufferSize
    {
        get
        {
            int w = Safe(() => Console.BufferWidth), h = Safe(() => Console.BufferHeight);
            return w == 0 || h == 0 ? s_wrapSize : new Size(w, h);
        }
        set { } // a terminal's buffer cannot be resized from here (as pwsh on Unix, where it throws)
    }

    public override Size WindowSize
    {
        get
        {
            int w = Safe(() => Console.WindowWidth), h = Safe(() => Console.WindowHeight);
            return w == 0 || h == 0 ? s_wrapSize : new Size(w, h);
        }
        set { }
    }

    public override Size MaxWindowSize
    {
        get
        {
            int w = Safe(() => Console.LargestWindowWidth), h = Safe(() => Console.LargestWindowHeight);
            return w == 0 || h == 0 ? s_wrapSize : new Size(w, h);
        }
    }

    public override Size MaxPhysicalWindowSize => MaxWindowSize;

    public override Coordinates CursorPosition
    {
        get => new(Safe(() => Console.CursorLeft), Safe(() => Console.CursorTop));
        set => Console.SetCursorPosition(Math.Max(0, value.X), Math.Max(0, value.Y));
    }

    public override int CursorSize
    {
        get => 25;
        set { }
    }

    public override Coordinates WindowPosition
    {
        get => new(0, 0);
        set { }
    }

    public override string WindowTitle
    {
        get => _title;
        set
        {
            _title = value;
            try { Console.Title = value; } catch (Exception) { }
        }
    }

    public override bool KeyAvailable => !Console.IsInputRedirected && Console.KeyAvailable;

    public override void FlushInputBuffer()
    {
        if (Console.IsInputRedirected) return;
        while (Console.KeyAvailable) Console.ReadKey(true);
    }

    public override KeyInfo ReadKey(ReadKeyOptions options)
    {
        ConsoleKeyInfo key = Console.ReadKey((options & ReadKeyOptions.NoEcho) != 0);
        var state = default(ControlKeyStates);
        if ((key.Modifiers & ConsoleModifiers.Shift) != 0) state |= ControlKeyStates.ShiftPressed;
        if ((key.Modifiers & ConsoleModifiers.Control) != 0) state |= ControlKeyStates.LeftCtrlPressed;
        if ((key.Modifiers & ConsoleModifiers.Alt) != 0) state |= ControlKeyStates.LeftAltPressed;
        return new KeyInfo((int)key.Key, key.KeyChar, state, true);
    }

    // As pwsh on Unix, the screen buffer cannot be read back or scrolled.
    public override BufferCell[,] GetBufferContents(Rectangle rectangle) =>
        throw new NotImplementedException("The method or operation is not implemented.");

    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) =>
        throw new NotImplementedException("The method or operation is not implemented.");

    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) =>
        throw new NotImplementedException("The method or operation is not implemented.");

    public override void SetBufferContents(Rectangle rectangle, BufferCell fill)
    {
        // Only Clear-Host's "clear everything" is supported: erase the screen and home the cursor.
        if (rectangle.Left == -1 && rectangle.Right == -1 && !Console.IsOutputRedirected)
            Console.Out.Write("\x1b[2J\x1b[3J\x1b[H");
    }
}
