/**
 * What the image-config rules read: the image's own configuration (User, Env,
 * ExposedPorts, Healthcheck), its history, and the files in the final filesystem
 * whose permissions matter (setuid/setgid, world-writable), from the layer walk.
 */
import type { ImageInfo } from '../../core/types.js';
import type { FilesystemView } from '../../image/filesystem-view.js';

export interface SpecialFile {
  path: string;
  mode: number;
  layer: number;
}

export interface ImageConfigDoc {
  info: ImageInfo;
  setuid: SpecialFile[];
  worldWritable: SpecialFile[];
}

/** Setuid/setgid regular files and world-writable regular files (directories with the sticky bit are normal, e.g. /tmp). */
export function specialFiles(view: FilesystemView): { setuid: SpecialFile[]; worldWritable: SpecialFile[] } {
  const setuid: SpecialFile[] = [];
  const worldWritable: SpecialFile[] = [];
  for (const [path, node] of view.nodes) {
    if (node.type !== 'f' && node.type !== 'h') continue;
    if (node.mode & 0o6000) setuid.push({ path: `/${path}`, mode: node.mode, layer: node.layer });
    if (node.mode & 0o002) worldWritable.push({ path: `/${path}`, mode: node.mode, layer: node.layer });
  }
  const byPath = (a: SpecialFile, b: SpecialFile) => (a.path < b.path ? -1 : 1);
  return { setuid: setuid.sort(byPath), worldWritable: worldWritable.sort(byPath) };
}

export function configField(info: ImageInfo, key: string): unknown {
  return info.config?.[key];
}
