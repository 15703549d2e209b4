/**
 * Distroless dpkg database: `var/lib/dpkg/status.d/<pkg>`, one control file per
 * package written by the image builder instead of dpkg, so it has no Status field.
 * A stanza there is installed unless it says otherwise. The `<pkg>.md5sums` files
 * beside them are file lists (dpkg-file-list.ts), not package records.
 */
import type { BufferExtractor } from '../extractor.js';
import { extractDebStanzaFile } from './dpkg-status.js';

const STATUS_D = 'var/lib/dpkg/status.d/';

export const dpkgStatusDExtractor: BufferExtractor = {
  id: 'dpkg-status-d',
  version: 1,
  kind: 'buffer',
  wants(path) {
    return (
      path.startsWith(STATUS_D) &&
      path.length > STATUS_D.length &&
      !path.endsWith('.md5sums') &&
      path.indexOf('/', STATUS_D.length) < 0
    );
  },
  extract({ path, bytes }) {
    return extractDebStanzaFile(bytes, path, { missingStatusMeansInstalled: true });
  },
};
