/**
 * Regenerates test/vectors/routing-hash-v1.json from the implementation. Run it only when adding a
 * NEW hash version; v1 vectors are frozen (changing them reshuffles every unit in production).
 *   npx tsx scripts/gen-hash-vectors.ts > test/vectors/routing-hash-v1.json
 */
import { bucketOf, fmix32, fnv1a32 } from '../src/core/routing/hash'

const enc = new TextEncoder()
const cases: Array<{ salt: string; key: string; fnv1a32: number; fmix32: number; bucket: number }> = []
const salts = ['', 'credit-risk', '7q3m9x2k4bnd0c5w', 'salt with spaces', 'ñandú-ümlaut']
const keys = ['', 'user-1', 'user-2', '42', 'a'.repeat(300), '😀 emoji', 'x-unit-id:abc', 'ABC', 'abc']
for (const salt of salts) {
  for (const key of keys) {
    const f = fnv1a32(enc.encode(`${salt}\u0000${key}`))
    cases.push({ salt, key, fnv1a32: f, fmix32: fmix32(f), bucket: bucketOf(1, salt, key) })
  }
}
process.stdout.write(
  JSON.stringify(
    {
      specVersion: '1',
      algorithm: 'bucket = fmix32(fnv1a32(utf8(salt + "\\u0000" + key))) mod 10000',
      cases,
    },
    null,
    2,
  ) + '\n',
)
