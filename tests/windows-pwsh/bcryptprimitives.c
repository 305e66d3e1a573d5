/*
 * bcryptprimitives.dll for Wine 8, which lacks it (later Wine versions have their own): only
 * ProcessPrng(pbData, cbData), which the Go runtime of esbuild.exe (the compiler tsx runs on
 * Windows node.exe) loads from system32 at start-up and cannot run without. Microsoft's Windows 10
 * random number generation whitepaper (aka.ms/win10rng) describes ProcessPrng as the interface to
 * the per-processor user-mode generators that the older RNG APIs wrap. Here the bytes come from
 * RtlGenRandom (advapi32 SystemFunction036), which Wine 8 has. Test-time only: copied into a Wine
 * prefix by tests/support/wine-pwsh.ts, never shipped.
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
        if (!RtlGenRandom(data, chunk)) return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
