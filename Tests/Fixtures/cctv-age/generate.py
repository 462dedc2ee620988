#!/usr/bin/env python3
"""Regenerates the C2SP/CCTV age test vectors used by AgeCCTVTests (see README.md here).

The vectors are deterministic: CCTV's testkit draws its "randomness" from ChaCha20 keyed with
"TEST RANDOMNESS TEST RANDOMNESS!" (zero nonce), so re-running the generator programs of
C2SP/CCTV age/internal/tests/*.go gives the same files. This is a Python port of that testkit
(age/internal/testkit/testkit.go) and of each generator listed in VECTORS, transcribed line by line.
Output: one file per vector in CCTV's format (textual header, empty line, the age file), uncompressed.

Needs the `cryptography` package (Debian python3-cryptography). Run: python3 generate.py [OUTDIR]
"""
import base64
import hashlib
import hmac
import os
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def convertbits(data, frombits, tobits, pad=True):
    acc, bits, ret, maxv = 0, 0, [], (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            ret.append((acc >> bits) & maxv)
    if pad and bits:
        ret.append((acc << (tobits - bits)) & maxv)
    return ret


def bech32_decode(s):
    s = s.lower()
    pos = s.rfind("1")
    hrp, data = s[:pos], [BECH32.find(c) for c in s[pos + 1:]]
    assert bech32_polymod([ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp] + data) == 1
    return bytes(convertbits(data[:-6], 5, 8, False))


def bech32_encode(hrp, data):
    hrp = hrp.lower()
    d = convertbits(data, 8, 5)
    values = [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp] + d
    poly = bech32_polymod(values + [0] * 6) ^ 1
    d += [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(BECH32[x] for x in d)).upper()


def b64(b):
    return base64.b64encode(b).decode().rstrip("=")


def b64dec(s):
    return base64.b64decode(s + "=" * (-len(s) % 4))


BASEPOINT = bytes([9]) + bytes(31)


def x25519(scalar, point):
    try:
        return X25519PrivateKey.from_private_bytes(scalar).exchange(X25519PublicKey.from_public_bytes(point))
    except ValueError:  # low order point: the testkit uses the all-zero secret
        return bytes(32)


def hkdf(secret, salt, info, n=32):
    return HKDF(algorithm=hashes.SHA256(), length=n, salt=salt or None, info=info).derive(secret)


def seal(key, nonce, plaintext):
    return ChaCha20Poly1305(key).encrypt(nonce, plaintext, None)


TEST_FILE_KEY = b"YELLOW SUBMARINE"
TEST_X25519_IDENTITY = bech32_decode("AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0")
TEST_X25519_RECIPIENT = x25519(TEST_X25519_IDENTITY, BASEPOINT)
LARGE_TEST_FILE_KEY = bytes.fromhex("7aa5bdac0e6afeed3dd0a7eccb42af44")
LARGE_TEST_NONCE = bytes.fromhex("c82f71eb82029b77136399e485e879f4")
LARGE_TEST_FIRST_CHUNK = bytes(64 * 1024)
LARGE_TEST_SECOND_CHUNK = bytes([1]) * (64 * 1024)
LARGE_TEST_THIRD_CHUNK = bytes([2]) * (64 * 1024)


def not_canonical_base64(s):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return s[:-1] + alphabet[alphabet.index(s[-1]) + 1]


class TestFile:
    """testkit.TestFile: both the older API (Nonce(bytes), PayloadChunk(bytes)) and the newer one
    (Nonce(), PayloadChunk(size)) of the generators, whichever a vector's generator uses."""

    def __init__(self):
        self.buf = bytearray()
        self._rand = Cipher(algorithms.ChaCha20(b"TEST RANDOMNESS TEST RANDOMNESS!", bytes(16)), mode=None).encryptor()
        self.file_key = TEST_FILE_KEY
        self.stream_key = None
        self.nonce = bytearray(12)
        self.payload = bytearray()
        self.expect = "success"
        self.comment = ""
        self.identities = []
        self.passphrases = []

    def Rand(self, n):
        return self._rand.update(bytes(n))

    def FileKey(self, key):
        self.file_key = key

    def TextLine(self, s):
        self.buf += s.encode("latin-1") + b"\n"

    def UnreadLine(self):
        buf = bytes(self.buf)
        if buf.endswith(b"\n"):
            buf = buf[:-1]
        idx = buf.rfind(b"\n") + 1
        self.buf = bytearray(buf[:idx])
        return buf[idx:].decode("latin-1")

    def VersionLine(self, v):
        self.TextLine("age-encryption.org/" + v)

    def ArgsLine(self, *args):
        self.TextLine(" ".join(["->"] + list(args)))

    def UnreadArgsLine(self):
        line = self.UnreadLine()
        if line.startswith("-> "):
            line = line[3:]
        return line.split(" ")

    def Body(self, body):
        while True:
            line, body = body[:48], body[48:]
            self.TextLine(b64(line))
            if len(line) < 48:
                break

    def AEADBody(self, key, body):
        self.Body(seal(key, bytes(12), body))

    def X25519(self, identity):
        self.X25519RecordIdentity(identity)
        self.X25519NoRecordIdentity(identity)

    def X25519RecordIdentity(self, identity):
        self.identities.append(bech32_encode("AGE-SECRET-KEY-", identity))

    def X25519NoRecordIdentity(self, identity):
        share = x25519(self.Rand(32), BASEPOINT)
        self.X25519Stanza(share, identity)

    def X25519Stanza(self, share, identity):
        recipient = x25519(identity, BASEPOINT)
        self.ArgsLine("X25519", b64(share))
        secret = x25519(identity, share)
        key = hkdf(secret, share + recipient, b"age-encryption.org/v1/X25519")
        self.AEADBody(key, self.file_key)

    def Scrypt(self, passphrase, work_factor):
        self.ScryptRecordPassphrase(passphrase)
        self.ScryptNoRecordPassphrase(passphrase, work_factor)

    def ScryptRecordPassphrase(self, passphrase):
        self.passphrases.append(passphrase)

    def ScryptNoRecordPassphrase(self, passphrase, work_factor):
        self.ScryptNoRecordPassphraseWithSalt(passphrase, work_factor, self.Rand(16))

    def ScryptNoRecordPassphraseWithSalt(self, passphrase, work_factor, salt):
        self.ArgsLine("scrypt", b64(salt), str(work_factor))
        key = Scrypt(salt=b"age-encryption.org/v1/scrypt" + salt, length=32, n=1 << work_factor, r=8, p=1).derive(
            passphrase.encode())
        self.AEADBody(key, self.file_key)

    def HMACLine(self, h):
        self.TextLine("--- " + b64(h))

    def HMAC(self):
        key = hkdf(self.file_key, None, b"header")
        self.HMACLine(hmac.new(key, bytes(self.buf) + b"---", hashlib.sha256).digest())

    def Nonce(self, nonce=None):
        if nonce is None:
            nonce = self.Rand(16)
        self.stream_key = hkdf(self.file_key, nonce, b"payload")
        self.buf += nonce

    def _payload_chunk(self, plaintext, old_counter):
        self.payload += plaintext
        self.buf += seal(self.stream_key, bytes(self.nonce), plaintext)
        if old_counter:
            self.nonce[10] = (self.nonce[10] + 1) & 0xFF
        else:
            for i in range(10, -1, -1):
                self.nonce[i] = (self.nonce[i] + 1) & 0xFF
                if self.nonce[i] != 0:
                    break

    def PayloadChunk(self, arg):
        if isinstance(arg, int):  # newer testkit: `size` bytes of ChaCha20 keystream (counter 1) under the stream key
            plaintext = Cipher(algorithms.ChaCha20(self.stream_key, (1).to_bytes(4, "little") + bytes(self.nonce)),
                               mode=None).encryptor().update(bytes(arg))
            self._payload_chunk(plaintext, False)
        else:
            self._payload_chunk(bytes(arg), True)

    def PayloadChunkFinal(self, arg):
        self.nonce[11] = 1
        self.PayloadChunk(arg)

    def Payload(self, plaintext):
        self.Nonce()
        self.nonce[11] = 1
        self._payload_chunk(plaintext.encode(), False)

    def ExpectHeaderFailure(self):
        self.expect = "header failure"

    def ExpectPayloadFailure(self):
        self.expect = "payload failure"
        self.payload = bytearray()

    def ExpectPartialPayload(self, good):
        self.expect = "payload failure"
        self.payload = self.payload[:good]

    def ExpectHMACFailure(self):
        self.expect = "HMAC failure"

    def ExpectNoMatch(self):
        self.expect = "no match"

    def Comment(self, c):
        self.comment = c

    def Generate(self):
        out = "expect: %s\n" % self.expect
        if self.expect in ("success", "payload failure"):
            out += "payload: %s\n" % hashlib.sha256(self.payload).hexdigest()
        out += "file key: %s\n" % self.file_key.hex()
        for i in self.identities:
            out += "identity: %s\n" % i
        for p in self.passphrases:
            out += "passphrase: %s\n" % p
        if self.comment:
            out += "comment: %s\n" % self.comment
        return out.encode() + b"\n" + bytes(self.buf)


# Each function transcribes age/internal/tests/<name>.go of C2SP/CCTV (the commit is in README.md).
def x25519_(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Payload("age")


def x25519_multiple_recipients(f):
    f.VersionLine("v1"); f.X25519NoRecordIdentity(f.Rand(32)); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Payload("age")


def x25519_grease(f):
    f.VersionLine("v1"); f.ArgsLine("grease"); f.Body(b""); f.X25519(TEST_X25519_IDENTITY); f.ArgsLine("grease")
    f.Body(b""); f.HMAC(); f.Payload("age")


def x25519_identity(f):
    f.VersionLine("v1"); f.X25519RecordIdentity(TEST_X25519_IDENTITY); f.X25519Stanza(bytes(32), TEST_X25519_IDENTITY)
    f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()
    f.Comment("the X25519 share is a low-order point, so the shared secret is the disallowed all-zero value")


def x25519_low_order(f):
    f.VersionLine("v1"); f.X25519RecordIdentity(TEST_X25519_IDENTITY)
    share = bytes([0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04,
                   0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0xd7])
    f.X25519Stanza(share, TEST_X25519_IDENTITY); f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()
    f.Comment("the X25519 share is a low-order point, so the shared secretis the disallowed all-zero value")


def x25519_bad_tag(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY)
    body = bytearray(b64dec(f.UnreadLine())); body[-1] ^= 0xFF; f.TextLine(b64(bytes(body)))
    f.HMAC(); f.Payload("age"); f.ExpectNoMatch()
    f.Comment("the ChaCha20Poly1305 authentication tag on the body of the X25519 stanza is wrong")


def x25519_no_match(f):
    f.VersionLine("v1"); identity = f.Rand(32); f.X25519RecordIdentity(identity)
    f.X25519NoRecordIdentity(TEST_X25519_RECIPIENT); f.HMAC(); f.Payload("age"); f.ExpectNoMatch()


def x25519_long_file_key(f):
    f.FileKey(b"A LONGER YELLOW SUBMARINE"); f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC()
    f.Payload("age"); f.ExpectHeaderFailure(); f.Comment("the file key must be checked to be 16 bytes before decrypting it")


def x25519_short_share(f):
    f.VersionLine("v1"); share = bytes.fromhex("97ba38a135fd5f9137fca3836bfec24340ab03d7ca316b26f482636334a52600")
    f.X25519RecordIdentity(TEST_X25519_IDENTITY); f.X25519Stanza(share, TEST_X25519_IDENTITY)
    body = f.UnreadLine(); f.UnreadLine()
    f.TextLine("-> X25519 " + b64(share[:31])); f.TextLine(body); f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()
    f.Comment("a trailing zero is missing from the X25519 share")


def x25519_extra_argument(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); body = f.UnreadLine(); args = f.UnreadLine()
    f.TextLine(args + " 1234"); f.TextLine(body); f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()
    f.Comment("the base64 encoding of the share is not canonical")


def x25519_lowercase(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); body = f.UnreadLine(); args = f.UnreadArgsLine()
    f.ArgsLine("x25519", args[1]); f.TextLine(body); f.HMAC(); f.Payload("age"); f.ExpectNoMatch()
    f.Comment("the first argument in the X25519 stanza is lowercase")


def x25519_not_canonical_body(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); body = f.UnreadLine(); f.TextLine(not_canonical_base64(body))
    f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure(); f.Comment("the base64 encoding of the share is not canonical")


def scrypt(f):
    f.VersionLine("v1"); f.Scrypt("password", 10); f.HMAC(); f.Payload("age")


def scrypt_and_x25519(f):
    f.VersionLine("v1"); f.X25519RecordIdentity(f.Rand(32)); f.X25519NoRecordIdentity(TEST_X25519_IDENTITY)
    f.Scrypt("password", 10); f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()
    f.Comment("scrypt stanzas must be alone in the header")


def scrypt_double(f):
    f.VersionLine("v1"); f.Scrypt("password", 10); f.Scrypt("hunter2", 10); f.HMAC(); f.Payload("age")
    f.ExpectHeaderFailure(); f.Comment("scrypt stanzas must be alone in the header")


def scrypt_bad_tag(f):
    f.VersionLine("v1"); f.Scrypt("password", 10)
    body = bytearray(b64dec(f.UnreadLine())); body[-1] ^= 0xFF; f.TextLine(b64(bytes(body)))
    f.HMAC(); f.Payload("age"); f.ExpectNoMatch()
    f.Comment("the ChaCha20Poly1305 authentication tag on the body of the scrypt stanza is wrong")


def scrypt_no_match(f):
    f.VersionLine("v1"); f.ScryptRecordPassphrase("wrong"); f.ScryptNoRecordPassphrase("password", 10); f.HMAC()
    f.Payload("age"); f.ExpectNoMatch()


def scrypt_work_factor_leading_zero_decimal(f):
    f.VersionLine("v1"); f.Scrypt("password", 10); body = f.UnreadLine(); args = f.UnreadArgsLine()
    f.ArgsLine(args[0], args[1], "010"); f.TextLine(body); f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()


def scrypt_work_factor_23(f):
    f.VersionLine("v1"); f.ScryptRecordPassphrase("password"); f.ArgsLine("scrypt", "rF0/NwblUHHTpgQgRpe5CQ", "23")
    f.TextLine("qW9eVsT0NVb/Vswtw8kPIxUnaYmm9Px1dYmq2+4+qZA"); f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()
    f.Comment("work factor is very high, would take a long time to compute")


def scrypt_salt_short(f):
    f.VersionLine("v1"); f.ScryptRecordPassphrase("password")
    f.ScryptNoRecordPassphraseWithSalt("password", 10, f.Rand(12)); f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()


def hmac_bad(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.FileKey(bytes(16)); f.HMAC(); f.FileKey(TEST_FILE_KEY)
    f.Payload("age"); f.ExpectHMACFailure()


def hmac_missing(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMACLine(b""); f.Payload("age"); f.ExpectHeaderFailure()


def hmac_truncated(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.TextLine(f.UnreadLine()[:len("--- 1234")])
    f.Payload("age"); f.ExpectHeaderFailure()


def hmac_garbage(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.TextLine(f.UnreadLine() + "AAA"); f.Payload("age")
    f.ExpectHeaderFailure()


def hmac_not_canonical(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.TextLine(not_canonical_base64(f.UnreadLine()))
    f.Payload("age"); f.ExpectHeaderFailure(); f.Comment("the base64 encoding of the HMAC is not canonical")


def header_crlf(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); hdr = bytes(f.buf); f.buf = bytearray(hdr.replace(b"\n", b"\r\n"))
    f.HMAC(); f.buf += (f.UnreadLine() + "\r\n").encode(); f.Payload("age"); f.ExpectHeaderFailure()
    f.Comment("lines in the header end with CRLF instead of LF")


def version_unsupported(f):
    f.VersionLine("v1234"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()


def stanza_bad_start(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.TextLine("-- stanza"); f.Body(b""); f.HMAC(); f.Payload("age")
    f.ExpectHeaderFailure()


def stanza_no_arguments(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.ArgsLine(); f.Body(b""); f.HMAC(); f.Payload("age")
    f.ExpectHeaderFailure()


def stanza_base64_padding(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.ArgsLine("stanza"); f.Body(b"A" * 50)
    f.TextLine(f.UnreadLine() + "="); f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()


def stanza_empty_body(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.ArgsLine("empty"); f.Body(b""); f.HMAC(); f.Payload("age")


def stanza_missing_body(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.ArgsLine("empty"); f.HMAC(); f.Payload("age")
    f.ExpectHeaderFailure(); f.Comment("every stanza must end with a short body line, even if empty")


def stanza_missing_final_line(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.ArgsLine("stanza"); f.TextLine("A" * 64); f.HMAC()
    f.Payload("age"); f.ExpectHeaderFailure(); f.Comment("every stanza must end with a short body line")


def stanza_multiple_short_lines(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.ArgsLine("stanza"); f.TextLine("A" * 32); f.TextLine("A" * 32)
    f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure(); f.Comment("a short body line ends the stanza")


def stanza_long_line(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.ArgsLine("stanza"); f.TextLine("A" * 68); f.TextLine("")
    f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure(); f.Comment("a body line is longer than 64 columns")


def stanza_spurious_cr(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.ArgsLine("stanza"); f.TextLine("A" * 32 + "\r" + "A" * 31)
    f.HMAC(); f.Payload("age"); f.ExpectHeaderFailure()


def stanza_valid_characters(f):
    f.VersionLine("v1"); f.ArgsLine("!\"#$%&'", "()*+,-./", "01234567", "89:;<=>?", "@ABCDEFG", "HIJKLMNO"); f.Body(b"")
    f.ArgsLine("PQRSTUVW", "XYZ[\\]^_", "`abcdefg", "hijklmno", "pqrstuvw", "xyz{|}~"); f.Body(b"")
    f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Payload("age")


def stream_empty_payload(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Payload("")


def _large(f):
    f.FileKey(LARGE_TEST_FILE_KEY); f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Nonce(LARGE_TEST_NONCE)


def stream_last_chunk_full(f):
    _large(f); f.PayloadChunkFinal(LARGE_TEST_FIRST_CHUNK)


def stream_three_chunks(f):
    _large(f); f.PayloadChunk(LARGE_TEST_FIRST_CHUNK); f.PayloadChunk(LARGE_TEST_SECOND_CHUNK)
    f.PayloadChunkFinal(LARGE_TEST_THIRD_CHUNK)


def stream_last_chunk_empty(f):
    _large(f); f.PayloadChunk(LARGE_TEST_FIRST_CHUNK); f.PayloadChunkFinal(b"")
    f.Comment("final STREAM chunk can't be empty unless whole payload is empty"); f.ExpectPartialPayload(64 * 1024)


def stream_no_final_two_chunks_full(f):
    _large(f); f.PayloadChunk(LARGE_TEST_FIRST_CHUNK); f.PayloadChunk(LARGE_TEST_SECOND_CHUNK)
    f.ExpectPartialPayload(64 * 1024 * 2)


def stream_bad_tag_second_chunk(f):
    _large(f); f.PayloadChunk(LARGE_TEST_FIRST_CHUNK); f.PayloadChunkFinal(b"age")
    f.buf[-1] ^= 0b0010_0000; f.ExpectPartialPayload(64 * 1024)


def stream_two_final_chunks(f):
    _large(f); f.PayloadChunkFinal(LARGE_TEST_FIRST_CHUNK); f.PayloadChunkFinal(b"age"); f.ExpectPartialPayload(64 * 1024)


def stream_trailing_garbage_short(f):
    _large(f); f.PayloadChunkFinal(LARGE_TEST_FIRST_CHUNK); f.buf += f.Rand(12); f.ExpectPartialPayload(64 * 1024)


def stream_trailing_garbage_long(f):
    _large(f); f.PayloadChunkFinal(LARGE_TEST_FIRST_CHUNK); f.buf += f.Rand(20); f.ExpectPartialPayload(64 * 1024)


def stream_short_second_chunk(f):
    _large(f); f.PayloadChunk(LARGE_TEST_FIRST_CHUNK); f.Nonce(f.Rand(12)); f.ExpectPartialPayload(64 * 1024)


def stream_bad_tag(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Payload("age"); f.buf[-1] ^= 0b0010_0000
    f.ExpectPayloadFailure()


def stream_missing_tag(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Payload("age"); del f.buf[-16:]
    f.ExpectPayloadFailure()


def stream_no_chunks(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Nonce(); f.ExpectPayloadFailure()


def stream_no_final(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Nonce(); f.PayloadChunk(1); f.ExpectPayloadFailure()


def stream_short_chunk(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.Nonce(); f.buf += f.Rand(12)
    f.ExpectPayloadFailure()


def stream_no_nonce(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.ExpectHeaderFailure()


def stream_short_nonce(f):
    f.VersionLine("v1"); f.X25519(TEST_X25519_IDENTITY); f.HMAC(); f.buf += f.Rand(12); f.ExpectHeaderFailure()


VECTORS = {name.rstrip("_"): fn for name, fn in list(globals().items())
           if callable(fn) and hasattr(fn, "__code__") and fn.__code__.co_varnames[:1] == ("f",) and not name.startswith("_")}

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors")
    os.makedirs(out, exist_ok=True)
    for name, fn in sorted(VECTORS.items()):
        f = TestFile()
        fn(f)
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(f.Generate())
    print("wrote %d vectors to %s" % (len(VECTORS), out))
