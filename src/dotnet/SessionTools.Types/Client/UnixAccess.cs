using System;
using System.Runtime.InteropServices;

namespace SessionTools.Rpc
{
    /// <summary>
    /// Who may write a file or folder on Linux, for the check before an elevated start
    /// (HelperLocation.Unprotected): statx(2) from glibc (2.28+), whose struct statx has one layout
    /// on every architecture (unlike struct stat), so one declaration serves x64 and arm64.
    /// </summary>
    internal static class UnixAccess
    {
        private const int AtFdCwd = -100;
        private const uint StatxBasicStats = 0x7ff;
        // struct statx (linux/stat.h): stx_uid at 20, stx_gid at 24, stx_mode (u16) at 28; 256 bytes.
        private const int UidOffset = 20, GidOffset = 24, ModeOffset = 28, StatxSize = 256;

        [DllImport("libc", SetLastError = true)]
        private static extern int statx(int dirfd, string path, int flags, uint mask, byte[] buffer);

        [DllImport("libc")]
        private static extern uint geteuid();

        [DllImport("libc", SetLastError = true)]
        private static extern int chmod(string path, uint mode);

        public static bool IsRoot() { return geteuid() == 0; }

        private struct Stat { public uint Uid, Gid, Mode; }

        /// <summary>The owner, group and mode of `path`, symbolic links followed (what exec and open see).</summary>
        private static Stat Get(string path)
        {
            var buffer = new byte[StatxSize];
            if (statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
                throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error(), "statx '" + path + "'");
            return new Stat
            {
                Uid = BitConverter.ToUInt32(buffer, UidOffset),
                Gid = BitConverter.ToUInt32(buffer, GidOffset),
                Mode = BitConverter.ToUInt16(buffer, ModeOffset),
            };
        }

        /// <summary>
        /// Why a user other than root could change `path` (its owner may chmod it; a group other than
        /// root's or everyone may write it), or null when none can.
        /// </summary>
        public static string WritableByOthers(string path)
        {
            Stat s = Get(path);
            if (s.Uid != 0) return "it is owned by uid " + s.Uid + ", not root";
            if ((s.Mode & 0x10) != 0 && s.Gid != 0) return "its group (gid " + s.Gid + ") may write it";
            if ((s.Mode & 0x2) != 0) return "everyone may write it";
            return null;
        }

        /// <summary>Adds execute where read is allowed (as chmod a+X would), when this user owns `path` and it lacks it.</summary>
        public static void AddExecute(string path)
        {
            Stat s = Get(path);
            uint read = s.Mode & 0x124; // r--r--r--
            uint wanted = (s.Mode & 0xfff) | (read >> 2);
            if (s.Uid == geteuid() && (s.Mode & 0xfff) != wanted) chmod(path, wanted);
        }
    }
}
