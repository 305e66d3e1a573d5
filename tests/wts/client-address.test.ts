/**
 * Client addresses of the WTS backend, in process on the wtsapi32 double: a session's address from
 * WTSClientInfo, or from WTSClientAddress when WTSClientInfo fails or holds no IPv4 text, for each
 * address family: IPv4 and IPv6 as text, none (AF_UNSPEC, the console) and any other family null.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.ts';
import { createWtsBackend } from '../../src/backend/wts/index.ts';
import { buildDouble, leakedBuffers, readLog, toFileTime, useDoubleFiles, writeFixture, type CallEvent, type FixtureSession } from './support/double.ts';

const work = mkdtempSync(join(tmpdir(), 'st-wts-client-address-'));
let library: string;
let backend: Backend;
let log: string;
let fixture: string;
let testNo = 0;

const NOW = toFileTime(new Date('2026-03-01T12:00:00Z'));
const CLASS = { WTSClientAddress: 14, WTSClientInfo: 23 };

function session(id: number, address: string | null, extra: Partial<FixtureSession> = {}): FixtureSession {
  return { id, state: 'Active', winStation: `RDP-Tcp#${id}`, user: `user${id}`, domain: 'LAB', clientName: `PC${id}`, address, protocol: 2, locked: 0, current: NOW, ...extra };
}

const addresses = async (): Promise<Record<number, string | null>> =>
  Object.fromEntries((await backend.list(null, { includeSystem: false, signal: new AbortController().signal })).map((s) => [s.SessionId, s.ClientAddress]));
/** The sessions WTSClientAddress was asked of. */
const askedForAddress = (): number[] =>
  readLog(log)
    .filter((e): e is CallEvent => e.event === 'call' && e.fn === 'WTSQuerySessionInformationW' && e.infoClass === CLASS.WTSClientAddress)
    .map((e) => e.session as number)
    .sort((a, b) => a - b);

beforeAll(() => {
  library = buildDouble('linux');
});
beforeEach(() => {
  testNo++;
  fixture = join(work, `fixture-${testNo}.txt`);
  log = join(work, `log-${testNo}.txt`);
  useDoubleFiles(fixture, log);
  backend = createWtsBackend({ libraryPath: library, poolSize: 2 });
});
afterEach(async () => {
  await backend.close?.();
  expect(leakedBuffers(readLog(log))).toEqual([]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a client address', () => {
  it('from WTSClientInfo: IPv4 text as it is; no address (AF_UNSPEC) is null, without asking WTSClientAddress; IPv6 asks it', async () => {
    writeFixture(fixture, [{ name: '.', sessions: [session(2, '10.1.2.3'), session(3, null), session(4, '2001:db8::4')] }]);
    expect(await addresses()).toEqual({ 2: '10.1.2.3', 3: null, 4: '2001:db8::4' });
    expect(askedForAddress()).toEqual([4]);
  });

  it('from WTSClientAddress when WTSClientInfo fails: IPv4 and IPv6 as text, AF_UNSPEC and another family null', async () => {
    const failing = { queryFail: 50, queryFailClass: CLASS.WTSClientInfo };
    writeFixture(fixture, [
      {
        name: '.',
        sessions: [
          session(5, '192.168.7.5', failing),
          session(6, '2001:db8::6', failing),
          session(7, null, failing),
          // AF_IPX (6): not an IP family.
          session(8, `raw:6:${'0a'.repeat(20)}`, failing),
        ],
      },
    ]);
    expect(await addresses()).toEqual({ 5: '192.168.7.5', 6: '2001:db8::6', 7: null, 8: null });
    expect(askedForAddress()).toEqual([5, 6, 7, 8]);
  });
});
