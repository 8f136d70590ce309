import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseMessage } from '../src/index.js';

const greetingV2 = z.object({ version: z.literal(2), name: z.string().min(1) });
const parse = (body: string | Buffer) =>
  parseMessage(Buffer.isBuffer(body) ? body : Buffer.from(body), greetingV2, 2);

describe('parseMessage', () => {
  it('returns the value of a body that matches the contract', () => {
    expect(parse('{"version":2,"name":"Ada"}')).toEqual({
      ok: true,
      value: { version: 2, name: 'Ada' },
    });
  });

  it('names bodies that are not JSON (or not UTF-8 text)', () => {
    expect(parse('{"version":2,')).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(parse(Buffer.from([0xff, 0xfe, 0x00]))).toMatchObject({
      ok: false,
      reason: 'invalid_json',
    });
  });

  it('tells another version of the contract from a broken body', () => {
    expect(parse('{"version":3,"name":"Ada"}')).toEqual({
      ok: false,
      reason: 'unsupported_version',
      detail: 'version 3; this consumer reads version 2',
    });
    // Without a numeric version it is a schema problem, like any other.
    expect(parse('{"version":"2","name":"Ada"}')).toMatchObject({
      ok: false,
      reason: 'invalid_schema',
    });
  });

  it('says which fields break the contract', () => {
    const result = parse('{"version":2,"name":""}');
    expect(result).toMatchObject({ ok: false, reason: 'invalid_schema' });
    expect(!result.ok && result.detail).toMatch(/name/);
    expect(parse('[1,2]')).toMatchObject({ ok: false, reason: 'invalid_schema' });
    expect(parse('null')).toMatchObject({ ok: false, reason: 'invalid_schema' });
  });
});
