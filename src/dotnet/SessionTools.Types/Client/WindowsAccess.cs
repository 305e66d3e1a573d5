using System;
using System.Runtime.InteropServices;

namespace SessionTools.Rpc
{
    /// <summary>
    /// Who may write a file or folder on Windows, for the check before an elevated start
    /// (HelperLocation.Unprotected), through advapi32 (netstandard2.0 has no ACL types that Windows
    /// PowerShell 5.1 and PowerShell 7 both carry): elevated means an elevated token or SYSTEM; a
    /// path is protected when its owner is Administrators, SYSTEM or TrustedInstaller and no ACE that
    /// applies to it allows another SID to write, append, delete, create children, or change its
    /// permissions or owner. docs/packaging.md has the sources. Not checkable here: Wine's tokens
    /// and security descriptors are not Windows' own, so this runs for real only on Windows.
    /// </summary>
    internal static class WindowsAccess
    {
        private const int TokenQuery = 0x0008;
        private const int TokenUserClass = 1, TokenElevationClass = 20;
        private const int SeFileObject = 1;
        private const int OwnerInformation = 0x1, DaclInformation = 0x4;
        private const byte AccessAllowedAceType = 0x0, InheritOnlyAce = 0x08;
        // FILE_WRITE_DATA|FILE_APPEND_DATA|FILE_DELETE_CHILD|DELETE|WRITE_DAC|WRITE_OWNER|GENERIC_ALL|GENERIC_WRITE
        private const uint WriteMask = 0x2 | 0x4 | 0x40 | 0x10000 | 0x40000 | 0x80000 | 0x10000000 | 0x40000000;
        private static readonly string[] Trusted =
        {
            "S-1-5-18", // SYSTEM
            "S-1-5-32-544", // BUILTIN\Administrators
            "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464", // NT SERVICE\TrustedInstaller
            "S-1-3-0", // CREATOR OWNER: stands for the owner, which is checked as such
        };

        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool OpenProcessToken(IntPtr process, int access, out IntPtr token);

        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool GetTokenInformation(IntPtr token, int infoClass, IntPtr info, int length, out int returned);

        [DllImport("kernel32.dll")]
        private static extern IntPtr GetCurrentProcess();

        [DllImport("kernel32.dll")]
        private static extern bool CloseHandle(IntPtr handle);

        [DllImport("kernel32.dll")]
        private static extern IntPtr LocalFree(IntPtr memory);

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern bool ConvertSidToStringSidW(IntPtr sid, out IntPtr text);

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode)]
        private static extern int GetNamedSecurityInfoW(string path, int objectType, int info, out IntPtr owner, IntPtr group, out IntPtr dacl, IntPtr sacl, out IntPtr descriptor);

        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool GetAce(IntPtr acl, int index, out IntPtr ace);

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode)]
        private static extern IntPtr GetModuleHandleW(string name);

        [DllImport("kernel32.dll", CharSet = CharSet.Ansi, BestFitMapping = false)]
        private static extern IntPtr GetProcAddress(IntPtr module, string name);

        /// <summary>
        /// Whether this is Wine, not Windows: Wine's ntdll exports wine_get_version (its
        /// dlls/ntdll/ntdll.spec; seen in wine-8.0's ntdll.dll here), which Windows' does not.
        /// </summary>
        public static bool IsWine()
        {
            IntPtr ntdll = GetModuleHandleW("ntdll.dll");
            return ntdll != IntPtr.Zero && GetProcAddress(ntdll, "wine_get_version") != IntPtr.Zero;
        }

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool IsWow64Process2(IntPtr process, out ushort processMachine, out ushort nativeMachine);

        /// <summary>IMAGE_FILE_MACHINE_* of the OS (0xAA64 ARM64, 0x8664 x64), or 0 where IsWow64Process2 is missing (before Windows 10 1709).</summary>
        public static ushort NativeMachine()
        {
            try
            {
                ushort process, native;
                return IsWow64Process2(GetCurrentProcess(), out process, out native) ? native : (ushort)0;
            }
            catch (EntryPointNotFoundException) { return 0; }
        }

        private static string SidText(IntPtr sid)
        {
            IntPtr text;
            if (!ConvertSidToStringSidW(sid, out text)) return "?";
            try { return Marshal.PtrToStringUni(text); } finally { LocalFree(text); }
        }

        private static bool IsTrusted(string sid) { return Array.IndexOf(Trusted, sid) >= 0; }

        /// <summary>Whether this process's token is elevated, or is SYSTEM's.</summary>
        public static bool IsElevated()
        {
            IntPtr token;
            if (!OpenProcessToken(GetCurrentProcess(), TokenQuery, out token)) return false;
            IntPtr buffer = Marshal.AllocHGlobal(256);
            try
            {
                int returned;
                if (GetTokenInformation(token, TokenElevationClass, buffer, 256, out returned) && Marshal.ReadInt32(buffer) != 0) return true;
                // TOKEN_USER: a SID_AND_ATTRIBUTES whose first member points at the user's SID.
                return GetTokenInformation(token, TokenUserClass, buffer, 256, out returned) && SidText(Marshal.ReadIntPtr(buffer)) == "S-1-5-18";
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
                CloseHandle(token);
            }
        }

        /// <summary>Why a user other than Administrators, SYSTEM or TrustedInstaller could change `path`, or null.</summary>
        public static string WritableByOthers(string path)
        {
            IntPtr owner, dacl, descriptor;
            int status = GetNamedSecurityInfoW(path, SeFileObject, OwnerInformation | DaclInformation, out owner, IntPtr.Zero, out dacl, IntPtr.Zero, out descriptor);
            if (status != 0) return "its permissions cannot be read (Win32 error " + status + ")";
            try
            {
                string ownerSid = SidText(owner);
                if (!IsTrusted(ownerSid)) return "it is owned by " + ownerSid;
                if (dacl == IntPtr.Zero) return "it has no DACL (everyone has full control)";
                // ACL: AclRevision(1) Sbz1(1) AclSize(2) AceCount(2) Sbz2(2).
                int count = Marshal.ReadInt16(dacl, 4);
                for (int i = 0; i < count; i++)
                {
                    IntPtr ace;
                    if (!GetAce(dacl, i, out ace)) return "its ACE " + i + " cannot be read";
                    // ACE_HEADER: AceType(1) AceFlags(1) AceSize(2); ACCESS_ALLOWED_ACE: Mask(4) then the SID.
                    byte type = Marshal.ReadByte(ace, 0), flags = Marshal.ReadByte(ace, 1);
                    if (type != AccessAllowedAceType || (flags & InheritOnlyAce) != 0) continue;
                    uint mask = unchecked((uint)Marshal.ReadInt32(ace, 4));
                    if ((mask & WriteMask) == 0) continue;
                    string sid = SidText(new IntPtr(ace.ToInt64() + 8));
                    if (!IsTrusted(sid)) return sid + " may write it (access mask 0x" + mask.ToString("x") + ")";
                }
                return null;
            }
            finally { LocalFree(descriptor); }
        }
    }
}
