/**
 * @module core/gates/spec-version
 * The version of the gate semantics: what `evaluateGates` decides and the numbers it reports.
 *
 * Bump it in any change that can move a decision or a reported number (order of the combination
 * rules, a test, a default, a guard). The gate vectors record the version they were derived for,
 * and their test fails until they are re-derived from the independent reference in
 * test/reference/gates.ts and regenerated (test/vectors/gates/generate.ts; docs/statistics.md §13.5).
 *
 * History: 1 = first vectors; 2 = a FAIL wins over an SRM alarm (§9.2), invalid gate
 * configurations give `insufficient_data` instead of throwing; 3 = business FAIL: default fail
 * margin 0.55·m, and with recorded looks the planned look (§5.6); 4 = α_pass 0.025 and srmAlpha
 * 0.004 by default, and with recorded looks the planned PASS look (§5.7) and the early SRM look (§9.4).
 */
export const GATES_SPEC_VERSION = '4'
