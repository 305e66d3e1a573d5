using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SessionTools.Rpc
{
    /// <summary>
    /// Which helper the module starts (docs/packaging.md): a released module carries one per platform
    /// in bin/&lt;platform&gt;/ (node or node.exe, helper.mjs, wts-worker.mjs, koffi's binary), chosen by
    /// the OPERATING SYSTEM's architecture, not this process's; a source checkout has none of those
    /// folders and starts bin/node (bin/node.exe) with bin/helper.mjs, as the build leaves them.
    /// Always absolute paths inside the module's own folder, never PATH.
    /// </summary>
    internal sealed class HelperLocation
    {
        private HelperLocation(string root, string folder, string node, string entry)
        {
            ModuleRoot = root;
            Folder = folder;
            Node = node;
            Entry = entry;
        }

        /// <summary>The module's folder (where its manifest is).</summary>
        public string ModuleRoot { get; private set; }
        /// <summary>The folder of the helper: bin/&lt;platform&gt; or, in a source checkout, bin.</summary>
        public string Folder { get; private set; }
        /// <summary>The Node runtime.</summary>
        public string Node { get; private set; }
        /// <summary>The helper's bundle.</summary>
        public string Entry { get; private set; }

        /// <summary>
        /// The helper of the module in `moduleBase`; null when there is none for this platform,
        /// with `expected` the folder that should hold it.
        /// </summary>
        public static HelperLocation Find(string moduleBase, out string expected)
        {
            string bin = Path.Combine(moduleBase, "bin");
            string[] platforms = Platforms();
            expected = Path.Combine(bin, platforms[0]);
            foreach (string platform in platforms)
            {
                string folder = Path.Combine(bin, platform);
                if (Directory.Exists(folder)) return Complete(moduleBase, folder);
            }
            // A released module has a folder per platform; none for this one is "not found" (below),
            // never the development layout.
            HelperLocation dev = Complete(moduleBase, bin);
            bool released = Directory.Exists(bin) && Directory.GetDirectories(bin).Length > 0;
            if (!released) expected = bin;
            return released || dev == null ? null : dev;
        }

        private static HelperLocation Complete(string root, string folder)
        {
            string entry = Path.Combine(folder, "helper.mjs");
            string node = Path.Combine(folder, "node.exe");
            if (!File.Exists(node)) node = Path.Combine(folder, "node");
            return File.Exists(node) && File.Exists(entry) ? new HelperLocation(root, folder, node, entry) : null;
        }

        private static bool IsWindows { get { return Environment.OSVersion.Platform == PlatformID.Win32NT; } }

        /// <summary>
        /// The folders that may hold this machine's helper, best first: "win-x64", "linux-x64", ...
        /// </summary>
        public static string[] Platforms()
        {
            if (IsWindows)
            {
                // The OS's architecture: a 32-bit PowerShell on 64-bit Windows (Intune's default for
                // remediation scripts) starts the x64 helper. Environment.Is64BitOperatingSystem is
                // true there (IsWow64Process); IsWow64Process2 (Windows 10 1709+) also tells ARM64,
                // which runs x64 programs by emulation on Windows 11. Not checkable here: Wine runs
                // only the 64-bit pwsh.exe on x64, so neither the 32-bit nor the ARM64 case is tested.
                ushort native = WindowsAccess.NativeMachine();
                if (native == 0xAA64) return new[] { "win-arm64", "win-x64" };
                return new[] { Environment.Is64BitOperatingSystem ? "win-x64" : "win-x86" };
            }
            string os = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "linux" : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "unix";
            return new[] { os + "-" + UnixArchitecture() };
        }

        /// <summary>RuntimeInformation only here: PowerShell 7 (no 32-bit build on Linux or macOS).</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string UnixArchitecture()
        {
            switch (RuntimeInformation.OSArchitecture)
            {
                case Architecture.X64: return "x64";
                case Architecture.Arm64: return "arm64";
                case Architecture.X86: return "x86";
                case Architecture.Arm: return "arm";
                default: return RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
            }
        }

        /// <summary>
        /// The files and folders a user could use to replace what runs: the runtime, the helper's
        /// files, and each folder from the helper's up to the module's folder.
        /// </summary>
        public IEnumerable<string> Guarded()
        {
            yield return Node;
            foreach (string file in Directory.GetFiles(Folder))
            {
                string name = Path.GetFileName(file);
                if (name.EndsWith(".mjs", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".node", StringComparison.OrdinalIgnoreCase)) yield return file;
            }
            string root = Path.GetFullPath(ModuleRoot).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            string dir = Path.GetFullPath(Folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            while (dir != null)
            {
                yield return dir;
                if (string.Equals(dir, root, IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)) break;
                dir = Path.GetDirectoryName(dir);
            }
        }

        /// <summary>
        /// When this process runs elevated (root; an elevated administrator or SYSTEM), the first of
        /// Guarded() that an ordinary user could write, with why; null when none can, or when not elevated.
        /// </summary>
        public string Unprotected(out string why)
        {
            why = null;
            // Wine is no security boundary and cannot pass this check: it runs every program with an
            // elevated administrator's token, and a file's owner is the SID of its Unix owner, never
            // Administrators (its SetSecurityInfo leaves owners as they are). So it is not made there;
            // the Unix permissions of the files are what guards a Wine prefix (docs/packaging.md).
            if (IsWindows && WindowsAccess.IsWine()) return null;
            if (!(IsWindows ? WindowsAccess.IsElevated() : UnixAccess.IsRoot())) return null;
            foreach (string path in Guarded())
            {
                try { why = IsWindows ? WindowsAccess.WritableByOthers(path) : UnixAccess.WritableByOthers(path); }
                catch (System.ComponentModel.Win32Exception e) { why = "it cannot be checked: " + e.Message; }
                if (why != null) return path;
            }
            return null;
        }

        /// <summary>
        /// A package extracted by Install-PSResource loses the execute bit (a .nupkg is a zip without
        /// Unix modes): the runtime gets it back here, where the file is this user's own.
        /// </summary>
        public void MakeRuntimeExecutable()
        {
            if (!IsWindows) UnixAccess.AddExecute(Node);
        }
    }
}
