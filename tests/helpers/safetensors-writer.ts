/**
 * Writes .safetensors bytes from a plain description, independently of the parser under
 * test: 8-byte little-endian header length, JSON header, data. `header` may be any JSON,
 * so tests can describe broken files.
 */
export function safetensorsBytes(header: unknown, data: Uint8Array, declaredLength?: number): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(declaredLength ?? json.length));
  return Buffer.concat([prefix, json, data]);
}

/** The header of a real file, as the JSON object it holds. */
export function readHeaderJson(bytes: Uint8Array): {
  header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  data: Uint8Array;
} {
  const length = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + length)).toString('utf8'));
  return { header, data: bytes.subarray(8 + length) };
}
