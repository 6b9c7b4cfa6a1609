import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlueprintRejectedError } from '../domain/blueprint/blueprint-rejected-error';
import { readBlueprintSource } from './blueprint-files';

describe('readBlueprintSource', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ap-bp-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (rel: string, content: string | Uint8Array): void => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  };
  const rejected = async (path: string, limits = {}): Promise<BlueprintRejectedError> => {
    const err: unknown = await readBlueprintSource(path, limits).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof BlueprintRejectedError)) throw new Error(`expected a rejection, got ${String(err)}`);
    return err;
  };

  it('reads one file, normalizing line endings, named by its path', async () => {
    write('plan.md', '# Plan\r\n\r\nbody\r\n');
    const source = await readBlueprintSource(join(dir, 'plan.md'));
    expect(source.text).toBe('# Plan\n\nbody\n');
    expect(source.files).toBeUndefined();
    expect(source.title).toBe('plan');
    expect(source.name).toBe(`${dir}/plan.md`);
  });

  it('joins a directory recursively in path order, skipping dot files, node_modules, other extensions and binaries', async () => {
    write('b.md', '# B\n\nb');
    write('a/2.txt', 'notes\n');
    write('a/1.markdown', '# A1\n\ntext\n');
    write('.hidden.md', '# hidden\n');
    write('.git/x.md', '# git\n');
    write('node_modules/pkg/README.md', '# dependency\n');
    write('image.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    write('blob.md', new Uint8Array([0x23, 0x20, 0x00, 0x01]));
    write('empty.md', '  \n');
    const source = await readBlueprintSource(dir);
    expect(source.files).toEqual([
      { path: 'a/1.markdown', start: 0 },
      { path: 'a/2.txt', start: 11 },
      { path: 'b.md', start: 17 },
    ]);
    expect(source.text).toBe('# A1\n\ntext\nnotes\n# B\n\nb\n');
  });

  it('refuses a directory with no text files, naming it', async () => {
    write('pic.png', 'x');
    write('node_modules/a.md', '# dep\n');
    const err = await rejected(dir);
    expect(err.reason).toBe('NO_TEXT_FILES');
    expect(err.site.file).toBe(dir);
  });

  it('refuses a directory of empty files as having no text files', async () => {
    write('a.md', '');
    expect((await rejected(dir)).reason).toBe('NO_TEXT_FILES');
  });

  it('names the file inside a directory that is not UTF-8', async () => {
    write('ok.md', '# OK\n\ntext\n');
    write('sub/latin1.md', new Uint8Array([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const err = await rejected(dir);
    expect(err.reason).toBe('INVALID_UTF8');
    expect(err.site).toEqual({ file: `${dir}/sub/latin1.md`, byteOffset: 5, line: 1 });
  });

  it('refuses an oversized file before reading it, and a binary or empty single file', async () => {
    write('big.md', '# Big\n\n' + 'x'.repeat(2000));
    expect((await rejected(join(dir, 'big.md'), { maxBytes: 1000 })).reason).toBe('TOO_LARGE');
    write('bin.md', new Uint8Array([0x41, 0x00]));
    expect((await rejected(join(dir, 'bin.md'))).reason).toBe('BINARY');
    write('blank.md', '\n\n');
    expect((await rejected(join(dir, 'blank.md'))).reason).toBe('EMPTY');
  });
});
