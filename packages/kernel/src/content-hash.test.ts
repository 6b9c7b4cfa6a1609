import { sha256Hex, type ContentHash } from './content-hash';

describe('sha256Hex', () => {
  it('gives the SHA-256 test vectors of FIPS 180-2 as 64 lowercase hex digits', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('hashes the UTF-8 encoding of the text, a lone surrogate as U+FFFD (as TextEncoder does)', () => {
    // "é" is two bytes in UTF-8 (c3 a9), "😀" four (f0 9f 98 80): this is SHA-256 of those six bytes.
    expect(sha256Hex('é😀')).toBe('1184d1f608158eea09d297565575892231550c403aaa913008d867a97cfd5c76');
    expect(sha256Hex('a\ud800b')).toBe(sha256Hex('a\ufffdb'));
  });

  it('is a ContentHash that domain code can take as data', () => {
    const hash: ContentHash = sha256Hex;
    expect(hash('same text')).toBe(sha256Hex('same text'));
    expect(hash('same text')).not.toBe(hash('other text'));
  });
});
