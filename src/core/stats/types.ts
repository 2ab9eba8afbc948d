/**
 * Closed vocabularies shared by the sequential tests.
 *
 * Invariant: these unions are the whole vocabulary; callers switch over them exhaustively.
 * Source: docs/statistics.md §5.1 (orientation and margin kinds) and §2.1 (decisions of one test).
 */

/** Which way is good for the metric: conversion is higher-is-better, errors lower-is-better. */
export type Direction = 'higher_is_better' | 'lower_is_better'

/** A relative margin is a fraction of the champion mean (0.02 = 2%); absolute is in metric units */
export type MarginKind = 'relative' | 'absolute'

/**
 * Outcome of one evaluation of a test on cumulative data. Not sticky: the caller acts on the first
 * `pass` or `fail` and records it. `insufficient_data` means the minimum sample is not reached (or
 * the variance estimate is degenerate), so no claim of either kind is possible yet.
 */
export type TestDecision = 'pass' | 'fail' | 'continue' | 'insufficient_data'
