import { describe, expect, it } from 'vitest';
import { captureLines } from '../src/index.js';

const write = (stream: NodeJS.WritableStream, text: string) =>
  new Promise<void>((resolve, reject) =>
    stream.write(text, (error) => (error ? reject(error) : resolve())),
  );

describe('captureLines', () => {
  it('parses every JSON line written, one or several per write', async () => {
    const { destination, lines } = captureLines();
    await write(destination, '{"msg":"one","level":"info"}\n');
    await write(destination, '{"msg":"two"}\n{"msg":"three","n":3}\n');
    expect(lines).toEqual([{ msg: 'one', level: 'info' }, { msg: 'two' }, { msg: 'three', n: 3 }]);
  });

  it('fails loudly on a line that is not JSON', async () => {
    const { destination } = captureLines();
    await expect(write(destination, 'plain text\n')).rejects.toThrow(SyntaxError);
  });
});
