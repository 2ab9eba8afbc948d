import { describe, expect, it } from 'vitest'
import { predict, validateApplicant, WEIGHTS } from '../../../scripts/demo/credit-model'

const average = { income_k: 60, debt_to_income: 0.3, credit_history_years: 8, delinquencies_2y: 0.5, utilization: 0.35 }

describe('demo credit scorer', () => {
  it('scores the average applicant at the intercept', () => {
    const p = predict(WEIGHTS.v1, average)
    expect(p.probability_default).toBeCloseTo(1 / (1 + Math.exp(2.2)), 5)
    expect(p.label).toBe('approve')
  })

  it('raises risk with delinquencies and lowers it with income', () => {
    const base = predict(WEIGHTS.v1, average).probability_default
    expect(predict(WEIGHTS.v1, { ...average, delinquencies_2y: 4 }).probability_default).toBeGreaterThan(base)
    expect(predict(WEIGHTS.v1, { ...average, income_k: 150 }).probability_default).toBeLessThan(base)
  })

  it('makes v2 weigh utilisation more than v1', () => {
    const high = { ...average, utilization: 0.95 }
    expect(predict(WEIGHTS.v2, high).probability_default).toBeGreaterThan(predict(WEIGHTS.v1, high).probability_default)
  })

  it('rejects missing or non-numeric features', () => {
    expect(validateApplicant({ ...average, income_k: 'a lot' })).toEqual(['income_k must be a finite number'])
    expect(validateApplicant(null)).toEqual(['features must be an object'])
  })
})
