/**
 * RFC 6901 conformance for the pointer used to pick model outputs out of response bodies. The
 * first table is the RFC's own §5 example document, verbatim.
 */

import { describe, expect, it } from 'vitest'
import {
  JsonPointerSyntaxError,
  isValidPointer,
  parsePointer,
  resolvePointer,
} from '../../../../src/core/shadow/json-pointer'

// RFC 6901 §5.
const RFC_DOC: unknown = JSON.parse(`{
  "foo": ["bar", "baz"],
  "": 0,
  "a/b": 1,
  "c%d": 2,
  "e^f": 3,
  "g|h": 4,
  "i\\\\j": 5,
  "k\\"l": 6,
  " ": 7,
  "m~n": 8
}`)

describe('resolvePointer: RFC 6901 §5 examples', () => {
  it.each<[string, unknown]>([
    ['', RFC_DOC],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ])('%j resolves', (pointer, expected) => {
    expect(resolvePointer(RFC_DOC, pointer)).toEqual({ found: true, value: expected })
  })

  it('the document really has the RFC keys with backslash and quote', () => {
    expect(Object.keys(RFC_DOC as object)).toContain('i\\j')
    expect(Object.keys(RFC_DOC as object)).toContain('k"l')
  })
})

describe('resolvePointer: escapes and values', () => {
  const doc: unknown = {
    '~1': 'tilde-one',
    '/0': 'slash-zero',
    '~': 'tilde',
    a: { b: [10, { c: null }, false] },
    empty: { '': { '': 'deep' } },
  }
  it.each<[string, unknown]>([
    // ~1 is decoded before ~0, so ~01 is the literal "~1", not "/".
    ['/~01', 'tilde-one'],
    ['/~10', 'slash-zero'],
    ['/~0', 'tilde'],
    ['/a/b/0', 10],
    ['/a/b/1/c', null],
    ['/a/b/2', false],
    ['/empty//', 'deep'],
  ])('%j resolves', (pointer, expected) => {
    expect(resolvePointer(doc, pointer)).toEqual({ found: true, value: expected })
  })

  it('a JSON-defined "__proto__" member is an own property and resolves', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"x": 1}}')
    expect(resolvePointer(parsed, '/__proto__/x')).toEqual({ found: true, value: 1 })
  })

  it('the empty pointer works on primitives too', () => {
    expect(resolvePointer('text', '')).toEqual({ found: true, value: 'text' })
    expect(resolvePointer(null, '')).toEqual({ found: true, value: null })
  })
})

describe('resolvePointer: not found', () => {
  const doc: unknown = { foo: ['bar', 'baz'], n: 7, s: 'str', z: null, o: {} }
  it.each<[string, RegExp]>([
    ['/foo/2', /out of range/],
    ['/foo/-', /past the end/],
    ['/foo/01', /not an array index/],
    ['/foo/-1', /not an array index/],
    ['/foo/+1', /not an array index/],
    ['/foo/1e0', /not an array index/],
    ['/foo/ 1', /not an array index/],
    ['/foo/length', /not an array index/],
    ['/bar', /member "bar" not found/],
    ['/o/constructor', /member "constructor" not found/],
    ['/o/__proto__', /member "__proto__" not found/],
    ['/o/toString', /not found/],
    ['/foo/0/0', /cannot descend into a string/],
    ['/n/x', /cannot descend into a number/],
    ['/z/x', /cannot descend into null/],
    ['foo', /must be empty or start with '\/'/],
    ['/~2', /'~' must be followed by '0' or '1'/],
  ])('%j → not found (%s)', (pointer, reason) => {
    const r = resolvePointer(doc, pointer)
    expect(r.found).toBe(false)
    if (!r.found) expect(r.reason).toMatch(reason)
  })

  it('the reason names the location that failed, re-escaped', () => {
    const r = resolvePointer({ 'a/b': { 'm~n': {} } }, '/a~1b/m~0n/x')
    expect(r).toEqual({ found: false, reason: 'member "x" not found at /a~1b/m~0n' })
  })
})

describe('parsePointer', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['/', ['']],
    ['//', ['', '']],
    ['/foo/0', ['foo', '0']],
    ['/a~1b', ['a/b']],
    ['/m~0n', ['m~n']],
    ['/~01', ['~1']],
    ['/~0~1~1~0', ['~//~']],
    ['/-', ['-']],
  ])('%j → %j', (pointer, tokens) => {
    expect(parsePointer(pointer)).toEqual(tokens)
  })

  it.each<[string, number]>([
    ['foo', 0],
    ['#/foo', 0],
    ['#', 0],
    [' /foo', 0],
    ['/~', 1],
    ['/a~', 2],
    ['/~2', 1],
    ['/ok/~x', 4],
  ])('rejects %j at offset %i', (pointer, position) => {
    expect(() => parsePointer(pointer)).toThrow(JsonPointerSyntaxError)
    try {
      parsePointer(pointer)
    } catch (e) {
      expect(e).toBeInstanceOf(JsonPointerSyntaxError)
      expect((e as JsonPointerSyntaxError).position).toBe(position)
      expect((e as JsonPointerSyntaxError).pointer).toBe(pointer)
    }
  })

  it('says why the URI fragment form fails', () => {
    expect(() => parsePointer('#/foo')).toThrow(/URI fragment form is not supported/)
  })
})

describe('isValidPointer', () => {
  it.each<[unknown, boolean]>([
    ['', true],
    ['/', true],
    ['/a~0b~1c', true],
    ['a', false],
    ['/~', false],
    ['#/a', false],
    [null, false],
    [undefined, false],
    [42, false],
    [['/a'], false],
  ])('%j → %s', (pointer, valid) => {
    expect(isValidPointer(pointer)).toBe(valid)
  })
})
