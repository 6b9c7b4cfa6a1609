import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { LocalPaths } from '../app/ports';

/** LocalPaths over node:fs: realpath, with "nothing there" as undefined rather than an error. */
export class NodeLocalPaths implements LocalPaths {
  async realPath(path: string): Promise<string | undefined> {
    try {
      return await realpath(resolve(path));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  }
}
