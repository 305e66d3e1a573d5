// Entry point of the test-time Windows PowerShell (WindowsPwsh.csproj): PowerShell's own pwsh.exe
// does nothing but call UnmanagedPSEntry.Start, and so does this.
//
// Under wine64 with no terminal on any descriptor the console host finds no console and exits 0
// without running anything. With SESSIONTOOLS_WINE_NEW_CONSOLE=1 this program first gives itself a
// fresh console (FreeConsole, AllocConsole: with Wine's Graphics=null driver that console is
// invisible), 120 columns wide like a new Windows 10 console, and puts back the three standard
// handles it was started with, so pipes stay its stdin/stdout/stderr. Programs it starts inherit
// that console, not the variable. A real Windows never needs this (not checked on Windows here).
using System;
using System.Runtime.InteropServices;

namespace SessionTools.WindowsPwsh;

internal static class Program
{
    private const string NewConsoleVariable = "SESSIONTOOLS_WINE_NEW_CONSOLE";
    private static readonly int[] StdHandles = { -10, -11, -12 }; // STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE

    [StructLayout(LayoutKind.Sequential)]
    private struct Coord
    {
        public short X;
        public short Y;
    }

    [DllImport("kernel32.dll", SetLastError = true)]
    private static extern IntPtr GetStdHandle(int which);

    [DllImport("kernel32.dll", SetLastError = true)]
    private static extern bool SetStdHandle(int which, IntPtr handle);

    [DllImport("kernel32.dll", SetLastError = true)]
    private static extern bool FreeConsole();

    [DllImport("kernel32.dll", SetLastError = true)]
    private static extern bool AllocConsole();

    [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
    private static extern IntPtr CreateFileW(string name, uint access, uint share, IntPtr security, uint disposition, uint flags, IntPtr template);

    [DllImport("kernel32.dll", SetLastError = true)]
    private static extern bool SetConsoleScreenBufferSize(IntPtr output, Coord size);

    [DllImport("kernel32.dll", SetLastError = true)]
    private static extern bool CloseHandle(IntPtr handle);

    public static int Main(string[] args)
    {
        if (Environment.GetEnvironmentVariable(NewConsoleVariable) == "1")
        {
            var saved = Array.ConvertAll(StdHandles, GetStdHandle);
            FreeConsole();
            if (!AllocConsole())
            {
                Console.Error.WriteLine($"pwsh (Wine): AllocConsole failed, error {Marshal.GetLastWin32Error()}");
                return 70;
            }
            // GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING.
            IntPtr screen = CreateFileW("CONOUT$", 0xC0000000, 3, IntPtr.Zero, 3, 0, IntPtr.Zero);
            if (screen != new IntPtr(-1))
            {
                SetConsoleScreenBufferSize(screen, new Coord { X = 120, Y = 9001 });
                CloseHandle(screen);
            }
            for (int i = 0; i < StdHandles.Length; i++) SetStdHandle(StdHandles[i], saved[i]);
            Environment.SetEnvironmentVariable(NewConsoleVariable, null);
        }
        return Microsoft.PowerShell.UnmanagedPSEntry.Start(args, args.Length);
    }
}
