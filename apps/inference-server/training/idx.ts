// The IDX format of the original MNIST files (big-endian header, then unsigned bytes), gzipped.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

const UNSIGNED_BYTE = 0x08;

export interface IdxTensor {
  shape: number[];
  data: Uint8Array;
}

export function writeIdxGz(path: string, { shape, data }: IdxTensor): void {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt8(UNSIGNED_BYTE, 2);
  header.writeUInt8(shape.length, 3);
  shape.forEach((dim, i) => header.writeUInt32BE(dim, 4 + 4 * i));
  // mtime 0 in the gzip header keeps the file identical from one run to the next.
  writeFileSync(path, gzipSync(Buffer.concat([header, data]), { level: 9 }));
}

export function readIdxGz(path: string): IdxTensor {
  const bytes = gunzipSync(readFileSync(path));
  if (bytes.readUInt16BE(0) !== 0 || bytes.readUInt8(2) !== UNSIGNED_BYTE) {
    throw new Error(`${path} is not an IDX file of unsigned bytes`);
  }
  const rank = bytes.readUInt8(3);
  const shape = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const data = new Uint8Array(bytes.subarray(4 + 4 * rank));
  if (data.length !== shape.reduce((product, dim) => product * dim, 1)) {
    throw new Error(
      `${path} holds ${data.length} bytes, its shape [${shape.join(', ')}] needs more`,
    );
  }
  return { shape, data };
}
