import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UTMP_LAYOUT } from '../../src/backend/linux/utmp-layout.ts';
import { buildUtmpWriter, makeTempDir, removeDir } from './support.ts';

describe('utmp layout table', () => {
  let dir: string;
  let writer: string;
  beforeAll(() => {
    dir = makeTempDir('st-layout-');
    writer = buildUtmpWriter(dir);
  });
  afterAll(() => removeDir(dir));

  it('equals sizeof/offsetof of struct utmp from the real <utmp.h>', () => {
    const fromC = JSON.parse(execFileSync(writer, ['layout'], { encoding: 'utf8' }));
    expect(fromC).toEqual(UTMP_LAYOUT);
    expect(fromC.size).toBe(384);
  });

  it('has fields that tile the record in order, with only the 2 padding bytes after ut_type', () => {
    const fields = Object.values(UTMP_LAYOUT.fields).sort((a, b) => a.offset - b.offset);
    let end = 0;
    let padding = 0;
    for (const f of fields) {
      expect(f.offset).toBeGreaterThanOrEqual(end);
      padding += f.offset - end;
      end = f.offset + f.size;
    }
    expect(end).toBe(UTMP_LAYOUT.size);
    expect(padding).toBe(2);
  });
});
