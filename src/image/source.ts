/**
 * An image opened for reading: what it is (ImageInfo) and how to stream each layer.
 * Produced by open-image.ts from a layout, an archive or (later) a registry.
 */
import type { Readable } from 'node:stream';
import type { ImageInfo } from '../core/types.js';

export interface LayerSource {
  index: number;
  /** Digest of the blob as stored, when the container names it (OCI, new docker save). */
  digest?: string;
  /** Size of the blob as stored, when known. */
  size?: number;
  /** sha256 of the uncompressed tar from the image config's rootfs.diff_ids. */
  diffID: string;
  mediaType?: string;
  createdBy?: string;
  /** Human name of the blob for messages (`blobs/sha256/ab12…`, `<id>/layer.tar`). */
  label: string;
  open(): Readable;
}

export interface ImageSource {
  info: ImageInfo;
  layers: LayerSource[];
  /** Notes for the user (which platform was picked and why). */
  notes: string[];
  close(): Promise<void>;
}
